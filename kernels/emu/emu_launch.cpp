// The module's C interface to the emulated driver: the kernels this module registered, and launching one over a
// grid whose blocks are shared out to a pool of OS threads.
#include "cuda_emu.h"
#include "emu_scheduler.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#define CUDA_EMU_EXPORT extern "C" __attribute__((visibility("default")))

namespace cuda_emu { namespace detail {

namespace {

struct Kernel
{
    const char* name;
    Thunk thunk;
    std::vector<unsigned int> param_sizes;
};

std::vector<Kernel>& registry()
{
    static std::vector<Kernel> kernels;
    return kernels;
}

unsigned int worker_count()
{
    const char* requested = std::getenv("CLIPENGINE_EMU_THREADS");
    long n = requested ? std::strtol(requested, nullptr, 10) : 0;
    if (n > 0) return static_cast<unsigned int>(n);
    unsigned int cores = std::thread::hardware_concurrency();
    return cores > 0 ? cores : 1;
}

struct Grid
{
    const Kernel* kernel;
    void** args;
    dim3 grid;
    dim3 block;
    std::size_t dynamic_shared_bytes;
    unsigned long long blocks;
    std::atomic<unsigned long long> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::string error;

    void work()
    {
        BlockRun run(kernel->thunk, args, grid, block, dynamic_shared_bytes);
        for (;;)
        {
            unsigned long long i = next.fetch_add(1);
            if (i >= blocks || failed.load()) return;
            uint3 index{static_cast<unsigned int>(i % grid.x), static_cast<unsigned int>(i / grid.x % grid.y),
                        static_cast<unsigned int>(i / (static_cast<unsigned long long>(grid.x) * grid.y))};
            if (!run.run(index, i))
            {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!failed.exchange(true)) error = run.error();
                return;
            }
        }
    }
};

void copy_message(const std::string& message, char* out, int capacity)
{
    if (out == nullptr || capacity <= 0) return;
    std::size_t n = message.size() < static_cast<std::size_t>(capacity - 1) ? message.size() : static_cast<std::size_t>(capacity - 1);
    std::memcpy(out, message.data(), n);
    out[n] = '\0';
}

} // namespace

void register_kernel(const char* name, Thunk thunk, unsigned int param_count, const unsigned int* param_sizes)
{
    registry().push_back(Kernel{name, thunk, std::vector<unsigned int>(param_sizes, param_sizes + param_count)});
}

}} // namespace cuda_emu::detail

using cuda_emu::detail::registry;

CUDA_EMU_EXPORT int cuda_emu_kernel_count() { return static_cast<int>(registry().size()); }

CUDA_EMU_EXPORT const char* cuda_emu_kernel_name(int index) { return registry().at(static_cast<std::size_t>(index)).name; }

// Writes up to capacity parameter sizes of the kernel; returns how many parameters it has.
CUDA_EMU_EXPORT int cuda_emu_kernel_params(int index, unsigned int* sizes, int capacity)
{
    const auto& params = registry().at(static_cast<std::size_t>(index)).param_sizes;
    for (std::size_t i = 0; i < params.size() && static_cast<int>(i) < capacity; ++i) sizes[i] = params[i];
    return static_cast<int>(params.size());
}

// Runs the kernel over the grid and returns 0, or 1 with a message (block, thread and what went wrong) in error.
// The driver has validated the launch configuration; this checks it again so a bad call cannot corrupt memory.
CUDA_EMU_EXPORT int cuda_emu_launch(int index, const unsigned int* grid, const unsigned int* block,
                                    unsigned long long dynamic_shared_bytes, void** args, char* error, int error_capacity)
{
    using namespace cuda_emu::detail;
    if (index < 0 || static_cast<std::size_t>(index) >= registry().size())
    {
        copy_message("no kernel with index " + std::to_string(index), error, error_capacity);
        return 1;
    }
    unsigned long long threads = static_cast<unsigned long long>(block[0]) * block[1] * block[2];
    unsigned long long blocks = static_cast<unsigned long long>(grid[0]) * grid[1] * grid[2];
    if (threads == 0 || threads > 1024 || blocks == 0)
    {
        copy_message("invalid launch configuration: " + std::to_string(threads) + " threads per block, " + std::to_string(blocks) + " blocks", error, error_capacity);
        return 1;
    }
    Grid g;
    g.kernel = &registry()[static_cast<std::size_t>(index)];
    g.args = args;
    g.grid = dim3(grid[0], grid[1], grid[2]);
    g.block = dim3(block[0], block[1], block[2]);
    g.dynamic_shared_bytes = dynamic_shared_bytes;
    g.blocks = blocks;

    // The caller only waits: no CUDA thread runs on it, so the fibers never share a stack or a thread with the
    // (.NET-managed) thread that launched them.
    unsigned long long workers = std::min<unsigned long long>(worker_count(), blocks);
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (unsigned long long i = 0; i < workers; ++i) pool.emplace_back([&g] { g.work(); });
    for (auto& t : pool) t.join();
    if (!g.failed.load()) return 0;
    copy_message(g.error, error, error_capacity);
    return 1;
}
