// One block of a launch, run by one OS thread: its CUDA threads as fibers, the barrier and warp-exchange state,
// and the first error a thread hit.
#pragma once

#include "emu_fiber.h"

#include <string>
#include <vector>

namespace cuda_emu { namespace detail {

enum class FiberState : unsigned char { Runnable, AtBarrier, AtWarp, Exited };

struct Fiber
{
    ThreadInfo info;
    unsigned int linear = 0;
    Context context;
    Stack stack;
    FiberState state = FiberState::Runnable;
    Site site{nullptr, 0}; // where it waits
    BarrierKind barrier_kind = BarrierKind::Plain;
    int predicate = 0;
    WarpOp op = WarpOp::Sync;
    unsigned int mask = 0;
    unsigned long long value = 0;
    int arg = 0;
    int width = 32;
    unsigned int size = 4;
    unsigned long long result = 0;
};

class BlockRun
{
public:
    // Fibers and their stacks for blocks of `block` threads, reused for each block this OS thread runs.
    BlockRun(Thunk thunk, void** args, dim3 grid, dim3 block, std::size_t dynamic_shared_bytes);
    ~BlockRun();
    BlockRun(const BlockRun&) = delete;
    BlockRun& operator=(const BlockRun&) = delete;

    // Runs every thread of block `index` to its end; false, with error(), when a thread failed.
    bool run(uint3 index, unsigned long long linear_index);

    const std::string& error() const { return error_; }

    // Called on a fiber: records why, and leaves for the scheduler never to come back.
    [[noreturn]] void fail(const std::string& message);

    int arrive_at_barrier(Site site, BarrierKind kind, int predicate);
    unsigned long long exchange(Site site, WarpOp op, unsigned int mask, unsigned long long value, int arg, int width, unsigned int size);
    unsigned int active_mask() const;

private:
    static void fiber_main();
    void resume(Fiber& fiber);
    void suspend(Fiber& fiber);
    bool release_barrier();
    void diagnose_stall();
    void complete_exchange(unsigned int warp_base, unsigned int lanes, WarpOp op);
    unsigned int warp_lanes(unsigned int warp_base) const;
    std::string describe(const Fiber& fiber) const;
    std::string describe_wait(const Fiber& fiber) const;

    Thunk thunk_;
    void** args_;
    BlockInfo info_;
    unsigned int threads_;
    std::size_t dynamic_shared_bytes_;
    std::vector<Fiber> fibers_;
    std::vector<unsigned int> warp_waiting_; // per warp, the lanes waiting at a warp operation
    std::vector<unsigned int> warp_exited_;  // per warp, the lanes that have exited
    Context scheduler_;
    Fiber* running_ = nullptr;
    unsigned int exited_ = 0;
    int barrier_result_ = 0;
    bool failed_ = false;
    std::string error_;
};

// The block this OS thread is running.
extern thread_local BlockRun* current_run;

}} // namespace cuda_emu::detail
