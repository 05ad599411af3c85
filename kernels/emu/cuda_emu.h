// The CUDA execution model on the CPU: the emulated driver force-includes this header (g++ -include) when it builds
// a kernel file, so the same .cu text that NVRTC compiles for the GPU runs here, on the host, under g++.
//
// How a launch runs (emu_launch.cpp, emu_scheduler.cpp, emu_fiber.cpp):
//   - the blocks of the grid are shared out to a pool of OS threads, one block at a time per OS thread;
//   - each CUDA thread of a block is a fiber with its own small stack; the fibers of a block run on one OS thread,
//     each until it reaches __syncthreads, a warp intrinsic or its end, so threads interleave only there, and a
//     race the barrier should have prevented shows up as a wrong result;
//   - __syncthreads waits for every thread of the block at the same call site; threads waiting at different barriers,
//     or some waiting while others have exited, is reported as an error naming both sites;
//   - warp intrinsics rendezvous the lanes of their mask (32-lane warps, lane = linear thread index % 32); a mask
//     lane that has exited, or waits somewhere else forever, is an error.
// Errors end the launch and reach C# as a CudaException naming the kernel, block and thread.
//
// What the source may use and how it maps:
//   - __shared__ is `static thread_local`: an OS thread runs one block at a time, so that storage is per block
//     (uninitialized between blocks, as on the GPU: it holds what the previous block left);
//   - `extern __shared__ T name[];` is rewritten by the driver, before g++ sees the text and within its line, into a
//     pointer to this block's dynamic shared memory, sized by the launch and filled with 0xFF bytes at block start;
//     it must be declared inside a function;
//   - CLIPENGINE_EMULATOR is defined and __CUDA_ARCH__ is not: guard Ampere/Hopper-only code (inline PTX, mma,
//     cp.async, wgmma) with it and keep a portable path;
//   - __activemask() is the set of lanes that have not exited; the emulator does not track divergent branches.
#pragma once

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <math.h>
#include <type_traits>
#include <utility>

#define CLIPENGINE_EMULATOR 1

// The driver preprocesses a kernel file once with CUDA_EMU_SCAN_KERNELS to find its kernels after macro expansion.
#ifdef CUDA_EMU_SCAN_KERNELS
#define __global__ __cuda_emu_global__
#else
#define __global__
#endif
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __grid_constant__
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static thread_local
#define __constant__

#pragma GCC visibility push(hidden)

#include "emu_vector_types.h"

constexpr int warpSize = 32;

namespace cuda_emu { namespace detail {

// What a running CUDA thread sees of itself and its block; the scheduler points these at the current fiber and block.
struct ThreadInfo
{
    uint3 thread_idx;
};

struct BlockInfo
{
    uint3 block_idx;
    dim3 block_dim;
    dim3 grid_dim;
    unsigned char* dynamic_shared;
};

extern __thread const ThreadInfo* current_thread;
extern __thread const BlockInfo* current_block;

template <class T>
inline T* dynamic_shared() { return reinterpret_cast<T*>(current_block->dynamic_shared); }

}} // namespace cuda_emu::detail

#define threadIdx (static_cast<const ::uint3&>(::cuda_emu::detail::current_thread->thread_idx))
#define blockIdx (static_cast<const ::uint3&>(::cuda_emu::detail::current_block->block_idx))
#define blockDim (static_cast<const ::dim3&>(::cuda_emu::detail::current_block->block_dim))
#define gridDim (static_cast<const ::dim3&>(::cuda_emu::detail::current_block->grid_dim))

#include "emu_half.h"
#include "emu_math.h"
#include "emu_atomics.h"
#include "emu_sync.h"
#include "emu_kernel_registry.h"

#pragma GCC visibility pop
