#include "cuda_emu.h"
#include "emu_scheduler.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <sstream>

namespace cuda_emu { namespace detail {

__thread const ThreadInfo* current_thread = nullptr;
__thread const BlockInfo* current_block = nullptr;
thread_local BlockRun* current_run = nullptr;

namespace {

const char* op_name(WarpOp op)
{
    switch (op)
    {
    case WarpOp::Shfl: return "__shfl_sync";
    case WarpOp::ShflUp: return "__shfl_up_sync";
    case WarpOp::ShflDown: return "__shfl_down_sync";
    case WarpOp::ShflXor: return "__shfl_xor_sync";
    case WarpOp::Ballot: return "__ballot_sync";
    case WarpOp::Any: return "__any_sync";
    case WarpOp::All: return "__all_sync";
    case WarpOp::Sync: return "__syncwarp";
    case WarpOp::ReduceAdd: return "__reduce_add_sync";
    case WarpOp::ReduceMin: return "__reduce_min_sync";
    case WarpOp::ReduceMax: return "__reduce_max_sync";
    case WarpOp::ReduceAnd: return "__reduce_and_sync";
    case WarpOp::ReduceOr: return "__reduce_or_sync";
    case WarpOp::ReduceXor: return "__reduce_xor_sync";
    }
    return "warp operation";
}

bool is_shuffle(WarpOp op) { return op == WarpOp::Shfl || op == WarpOp::ShflUp || op == WarpOp::ShflDown || op == WarpOp::ShflXor; }

std::string where(Site site)
{
    std::ostringstream s;
    s << site.file << ":" << site.line;
    return s.str();
}

std::string hex(unsigned int mask)
{
    std::ostringstream s;
    s << "0x" << std::hex << mask;
    return s.str();
}

// What a shuffle returns when its source lane is not in the mask: undefined on the GPU, a loud NaN-like value here.
unsigned long long garbage(unsigned int size)
{
    switch (size)
    {
    case 1: return 0xDEull;
    case 2: return 0x7FFFull;
    case 4: return 0x7FC0DEADull;
    default: return 0x7FF8DEADDEADDEADull;
    }
}

} // namespace

BlockRun::BlockRun(Thunk thunk, void** args, dim3 grid, dim3 block, std::size_t dynamic_shared_bytes)
    : thunk_(thunk), args_(args), threads_(block.x * block.y * block.z), dynamic_shared_bytes_(dynamic_shared_bytes), fibers_(threads_),
      warp_waiting_((threads_ + 31) / 32), warp_exited_((threads_ + 31) / 32)
{
    info_.block_dim = block;
    info_.grid_dim = grid;
    info_.dynamic_shared = nullptr;
    // Exactly the launch's size, so under AddressSanitizer a read or write past it is caught.
    void* shared = nullptr;
    if (posix_memalign(&shared, 128, dynamic_shared_bytes) == 0) info_.dynamic_shared = static_cast<unsigned char*>(shared);
    for (unsigned int i = 0; i < threads_; ++i)
    {
        Fiber& f = fibers_[i];
        f.linear = i;
        f.info.thread_idx = uint3{i % block.x, (i / block.x) % block.y, i / (block.x * block.y)};
        f.stack = acquire_stack();
        if (f.stack.base == nullptr)
        {
            failed_ = true;
            error_ = "out of memory for the fiber stacks of a block";
        }
    }
    if (info_.dynamic_shared == nullptr && dynamic_shared_bytes > 0)
    {
        failed_ = true;
        error_ = "out of memory for dynamic shared memory";
    }
}

BlockRun::~BlockRun()
{
    for (Fiber& f : fibers_) release_stack(f.stack);
    std::free(info_.dynamic_shared);
}

bool BlockRun::run(uint3 index, unsigned long long linear_index)
{
    if (failed_) return false;
    info_.block_idx = index;
    if (dynamic_shared_bytes_ > 0) std::memset(info_.dynamic_shared, 0xFF, dynamic_shared_bytes_);
    for (Fiber& f : fibers_)
    {
        f.state = FiberState::Runnable;
        context_init(f.context, f.stack, &BlockRun::fiber_main);
    }
    exited_ = 0;
    std::fill(warp_waiting_.begin(), warp_waiting_.end(), 0u);
    std::fill(warp_exited_.begin(), warp_exited_.end(), 0u);
    current_run = this;
    current_block = &info_;

    // Each phase between barriers runs the threads in ascending or descending order, alternating by block and by
    // phase, so a missing barrier is exposed whichever neighbour a thread reads.
    unsigned long long phase = linear_index;
    while (exited_ < threads_)
    {
        bool ran = false;
        bool descending = (phase & 1) != 0;
        for (unsigned int k = 0; k < threads_ && !failed_; ++k)
        {
            Fiber& f = fibers_[descending ? threads_ - 1 - k : k];
            if (f.state != FiberState::Runnable) continue;
            resume(f);
            ran = true;
        }
        if (failed_) break;
        if (ran || exited_ == threads_) continue;
        if (!release_barrier())
        {
            diagnose_stall();
            break;
        }
        ++phase;
    }
    current_run = nullptr;
    if (failed_)
        for (Fiber& f : fibers_)
            if (f.state != FiberState::Exited) f.stack.dirty = true;
    return !failed_;
}

void BlockRun::fiber_main()
{
    BlockRun& run = *current_run;
    context_entered(run.scheduler_);
    run.thunk_(run.args_);
    Fiber& f = *run.running_;
    f.state = FiberState::Exited;
    ++run.exited_;
    run.warp_exited_[f.linear / 32] |= 1u << (f.linear % 32);
    context_switch(f.context, run.scheduler_, true);
    __builtin_unreachable();
}

void BlockRun::resume(Fiber& fiber)
{
    running_ = &fiber;
    current_thread = &fiber.info;
    context_switch(scheduler_, fiber.context, false);
}

void BlockRun::suspend(Fiber& fiber) { context_switch(fiber.context, scheduler_, false); }

void BlockRun::fail(const std::string& message)
{
    Fiber& f = *running_;
    if (!failed_)
    {
        failed_ = true;
        error_ = describe(f) + ": " + message;
    }
    f.stack.dirty = true;
    context_switch(f.context, scheduler_, true);
    __builtin_unreachable();
}

std::string BlockRun::describe(const Fiber& fiber) const
{
    std::ostringstream s;
    s << "block (" << info_.block_idx.x << "," << info_.block_idx.y << "," << info_.block_idx.z << "), thread ("
      << fiber.info.thread_idx.x << "," << fiber.info.thread_idx.y << "," << fiber.info.thread_idx.z << ")";
    return s.str();
}

std::string BlockRun::describe_wait(const Fiber& fiber) const
{
    switch (fiber.state)
    {
    case FiberState::Exited: return "has exited";
    case FiberState::AtBarrier: return "waits at __syncthreads() at " + where(fiber.site);
    case FiberState::AtWarp: return std::string("waits at ") + op_name(fiber.op) + " (mask " + hex(fiber.mask) + ") at " + where(fiber.site);
    case FiberState::Runnable: break;
    }
    return "is running";
}

int BlockRun::arrive_at_barrier(Site site, BarrierKind kind, int predicate)
{
    Fiber& f = *running_;
    f.state = FiberState::AtBarrier;
    f.site = site;
    f.barrier_kind = kind;
    f.predicate = predicate != 0;
    suspend(f);
    return barrier_result_;
}

bool BlockRun::release_barrier()
{
    const Fiber* first = nullptr;
    int count = 0;
    for (const Fiber& f : fibers_)
    {
        if (f.state != FiberState::AtBarrier) return false;
        if (first == nullptr) first = &f;
        else if (f.site.file != first->site.file && std::strcmp(f.site.file, first->site.file) != 0) return false;
        else if (f.site.line != first->site.line) return false;
        count += f.predicate;
    }
    switch (first->barrier_kind)
    {
    case BarrierKind::Plain: barrier_result_ = 0; break;
    case BarrierKind::Count: barrier_result_ = count; break;
    case BarrierKind::And: barrier_result_ = count == static_cast<int>(threads_); break;
    case BarrierKind::Or: barrier_result_ = count > 0; break;
    }
    for (Fiber& f : fibers_) f.state = FiberState::Runnable;
    return true;
}

// Nothing can run and the barrier cannot be released: say which threads wait where, and why they cannot proceed.
void BlockRun::diagnose_stall()
{
    failed_ = true;
    const Fiber* at_barrier = nullptr;
    const Fiber* other_barrier = nullptr;
    const Fiber* exited = nullptr;
    unsigned int waiting = 0;
    for (const Fiber& f : fibers_)
    {
        if (f.state == FiberState::AtWarp)
        {
            unsigned int base = f.linear & ~31u;
            unsigned int lanes = f.mask & warp_lanes(base);
            for (unsigned int lane = 0; lane < 32; ++lane)
            {
                if (!(lanes & (1u << lane))) continue;
                const Fiber& g = fibers_[base + lane];
                if (g.state == FiberState::AtWarp && g.op == f.op && g.mask == f.mask) continue;
                error_ = describe(f) + ": " + op_name(f.op) + " (mask " + hex(f.mask) + ") at " + where(f.site) +
                         " cannot complete: lane " + std::to_string(lane) + " of its warp, " + describe(g) + ", " + describe_wait(g);
                return;
            }
        }
        else if (f.state == FiberState::AtBarrier)
        {
            ++waiting;
            if (at_barrier == nullptr) at_barrier = &f;
            else if (other_barrier == nullptr && (f.site.line != at_barrier->site.line || std::strcmp(f.site.file, at_barrier->site.file) != 0))
                other_barrier = &f;
        }
        else if (f.state == FiberState::Exited && exited == nullptr)
        {
            exited = &f;
        }
    }
    if (at_barrier != nullptr && other_barrier != nullptr)
    {
        error_ = "divergent __syncthreads(): " + describe(*at_barrier) + " waits at " + where(at_barrier->site) + " while " +
                 describe(*other_barrier) + " waits at " + where(other_barrier->site);
    }
    else if (at_barrier != nullptr && exited != nullptr)
    {
        error_ = "divergent __syncthreads() at " + where(at_barrier->site) + ": " + std::to_string(waiting) + " of " +
                 std::to_string(threads_) + " threads wait there (e.g. " + describe(*at_barrier) + ") but " +
                 std::to_string(exited_) + " have exited (e.g. " + describe(*exited) + "); every thread of the block must reach it";
    }
    else
    {
        error_ = "deadlock: no thread of the block can make progress";
    }
}

unsigned int BlockRun::warp_lanes(unsigned int warp_base) const
{
    unsigned int count = threads_ - warp_base;
    return count >= 32 ? 0xFFFFFFFFu : (1u << count) - 1u;
}

unsigned int BlockRun::active_mask() const
{
    unsigned int base = running_->linear & ~31u;
    return warp_lanes(base) & ~warp_exited_[base / 32];
}

unsigned long long BlockRun::exchange(Site site, WarpOp op, unsigned int mask, unsigned long long value, int arg, int width, unsigned int size)
{
    Fiber& f = *running_;
    unsigned int lane = f.linear & 31u;
    unsigned int base = f.linear - lane;
    unsigned int warp = base / 32;
    if (!(mask & (1u << lane)))
        fail(std::string(op_name(op)) + " at " + where(site) + ": mask " + hex(mask) + " does not include the calling lane " + std::to_string(lane));
    if (is_shuffle(op) && (width < 1 || width > 32 || (width & (width - 1)) != 0))
        fail(std::string(op_name(op)) + " at " + where(site) + ": width " + std::to_string(width) + " is not a power of two in [1, 32]");
    // Lanes past the end of a partial last warp do not exist and are left out of the rendezvous.
    unsigned int lanes = mask & warp_lanes(base);
    if (unsigned int gone = lanes & warp_exited_[warp])
        fail(std::string(op_name(op)) + " at " + where(site) + ": lane " + std::to_string(__builtin_ctz(gone)) + " of mask " + hex(mask) + " has exited");
    f.state = FiberState::AtWarp;
    f.site = site;
    f.op = op;
    f.mask = mask;
    f.value = value;
    f.arg = arg;
    f.width = width;
    f.size = size;
    warp_waiting_[warp] |= 1u << lane;

    bool complete = (warp_waiting_[warp] & lanes) == lanes;
    for (unsigned int other = 0; complete && other < 32; ++other)
    {
        const Fiber& g = fibers_[base + other];
        if ((lanes & (1u << other)) && (g.op != op || g.mask != mask)) complete = false;
    }
    if (complete) complete_exchange(base, lanes, op);
    else suspend(f);
    return f.result;
}

void BlockRun::complete_exchange(unsigned int warp_base, unsigned int lanes, WarpOp op)
{
    Fiber* warp = &fibers_[warp_base];
    unsigned int ballot = 0;
    for (unsigned int lane = 0; lane < 32; ++lane)
        if ((lanes & (1u << lane)) && warp[lane].value != 0) ballot |= 1u << lane;

    unsigned long long reduced = 0;
    bool first = true;
    for (unsigned int lane = 0; lane < 32; ++lane)
    {
        if (!(lanes & (1u << lane))) continue;
        auto v = static_cast<unsigned int>(warp[lane].value);
        auto r = static_cast<unsigned int>(reduced);
        switch (op)
        {
        case WarpOp::ReduceAdd: r += v; break;
        case WarpOp::ReduceMin: r = first || v < r ? v : r; break;
        case WarpOp::ReduceMax: r = first || v > r ? v : r; break;
        case WarpOp::ReduceAnd: r = first ? v : r & v; break;
        case WarpOp::ReduceOr: r |= v; break;
        case WarpOp::ReduceXor: r ^= v; break;
        default: break;
        }
        reduced = r;
        first = false;
    }

    for (unsigned int lane = 0; lane < 32; ++lane)
    {
        if (!(lanes & (1u << lane))) continue;
        Fiber& f = warp[lane];
        unsigned int segment = lane & ~static_cast<unsigned int>(f.width - 1);
        unsigned int offset = lane - segment;
        unsigned int source = lane;
        switch (op)
        {
        case WarpOp::Shfl:
            source = segment + (static_cast<unsigned int>(f.arg) & static_cast<unsigned int>(f.width - 1));
            break;
        case WarpOp::ShflUp:
            if (f.arg >= 0 && offset >= static_cast<unsigned int>(f.arg)) source = lane - static_cast<unsigned int>(f.arg);
            break;
        case WarpOp::ShflDown:
            if (f.arg >= 0 && offset + static_cast<unsigned int>(f.arg) < static_cast<unsigned int>(f.width)) source = lane + static_cast<unsigned int>(f.arg);
            break;
        case WarpOp::ShflXor:
            // A lane may read from an earlier segment but gets its own value for a later one, as CUDA specifies.
            source = lane ^ (static_cast<unsigned int>(f.arg) & 31u);
            if (source >= segment + static_cast<unsigned int>(f.width)) source = lane;
            break;
        default: break;
        }
        switch (op)
        {
        case WarpOp::Shfl:
        case WarpOp::ShflUp:
        case WarpOp::ShflDown:
        case WarpOp::ShflXor:
            f.result = (lanes & (1u << source)) ? warp[source].value : garbage(f.size);
            break;
        case WarpOp::Ballot: f.result = ballot; break;
        case WarpOp::Any: f.result = ballot != 0; break;
        case WarpOp::All: f.result = ballot == lanes; break;
        case WarpOp::Sync: f.result = 0; break;
        default: f.result = reduced; break;
        }
        f.state = FiberState::Runnable;
    }
    warp_waiting_[warp_base / 32] &= ~lanes;
}

int barrier(Site site, BarrierKind kind, int predicate) { return current_run->arrive_at_barrier(site, kind, predicate); }

unsigned long long warp_exchange(Site site, WarpOp op, unsigned int mask, unsigned long long value, int arg, int width, unsigned int size)
{
    return current_run->exchange(site, op, mask, value, arg, width, size);
}

unsigned int active_mask() { return current_run->active_mask(); }

void trap(Site site) { current_run->fail("__trap() at " + where(site)); }

}} // namespace cuda_emu::detail

// A failed assert() in a kernel fails the launch, as a device-side assert does on the GPU, instead of aborting the
// process; this definition is local to the module, so it only takes over the module's own asserts.
extern "C" void __assert_fail(const char* assertion, const char* file, unsigned int line, const char* function) noexcept
{
    using cuda_emu::detail::current_run;
    std::string message = std::string("assertion '") + assertion + "' failed in " + function + " at " + file + ":" + std::to_string(line);
    if (current_run == nullptr)
    {
        std::fprintf(stderr, "%s\n", message.c_str());
        std::abort();
    }
    current_run->fail(message);
}
