#include "cuda_emu.h"
#include "emu_fiber.h"

#include <cstdlib>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace cuda_emu { namespace detail {

namespace {

// A kernel thread needs little stack, but device-side printf and ASan's redzones need more than a few KiB; the
// mapping is reserved, not committed, so only the pages a fiber touches cost memory.
std::size_t stack_size()
{
    static const std::size_t size = [] {
        const char* kib = std::getenv("CLIPENGINE_EMU_STACK_KIB");
        long requested = kib ? std::strtol(kib, nullptr, 10) : 0;
#if defined(__SANITIZE_ADDRESS__)
        long fallback = 512;
#else
        long fallback = 128;
#endif
        return static_cast<std::size_t>(requested >= 16 ? requested : fallback) * 1024;
    }();
    return size;
}

std::size_t page_size() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// Stacks outlive launches; the module owns them until it is unloaded.
struct StackPool
{
    std::mutex mutex;
    std::vector<Stack> stacks;

    ~StackPool()
    {
        for (Stack& s : stacks) munmap(s.base - page_size(), s.size + page_size());
    }
};

StackPool pool;

} // namespace

Stack acquire_stack()
{
    {
        std::lock_guard<std::mutex> lock(pool.mutex);
        if (!pool.stacks.empty())
        {
            Stack stack = pool.stacks.back();
            pool.stacks.pop_back();
#if defined(__SANITIZE_ADDRESS__)
            if (stack.dirty) __asan_unpoison_memory_region(stack.base, stack.size);
#endif
            stack.dirty = false;
            return stack;
        }
    }
    std::size_t page = page_size();
    std::size_t size = stack_size();
    void* mapping = mmap(nullptr, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED) return Stack{};
    mprotect(mapping, page, PROT_NONE);
    return Stack{static_cast<unsigned char*>(mapping) + page, size, false};
}

void release_stack(Stack& stack)
{
    if (stack.base == nullptr) return;
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.stacks.push_back(stack);
    stack = Stack{};
}

#if defined(__x86_64__)

extern "C" void cuda_emu_switch(void** save_sp, void* resume_sp);

// Pushes the callee-saved registers, swaps stack pointers, pops the other side's. The SSE and x87 control words are
// callee-saved too, but neither kernels nor the scheduler change them, and restoring them costs more than the rest.
asm(R"(
    .text
    .p2align 4
    .hidden cuda_emu_switch
    .type cuda_emu_switch, @function
cuda_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size cuda_emu_switch, .-cuda_emu_switch
)");

void context_init(Context& context, Stack& stack, void (*entry)())
{
    auto top = reinterpret_cast<std::uintptr_t>(stack.base + stack.size) & ~std::uintptr_t(15);
    auto* sp = reinterpret_cast<std::uint64_t*>(top);
    *--sp = 0;                                       // entry's return address: it never returns
    *--sp = reinterpret_cast<std::uint64_t>(entry); // where cuda_emu_switch's ret lands
    for (int i = 0; i < 6; ++i) *--sp = 0;           // rbp rbx r12 r13 r14 r15
    context.sp = sp;
    context.stack_bottom = stack.base;
    context.stack_size = stack.size;
    context.fake_stack = nullptr;
}

static void raw_switch(Context& from, Context& to) { cuda_emu_switch(&from.sp, to.sp); }

#else

void context_init(Context& context, Stack& stack, void (*entry)())
{
    getcontext(&context.uc);
    context.uc.uc_stack.ss_sp = stack.base;
    context.uc.uc_stack.ss_size = stack.size;
    context.uc.uc_link = nullptr;
    makecontext(&context.uc, entry, 0);
    context.stack_bottom = stack.base;
    context.stack_size = stack.size;
    context.fake_stack = nullptr;
}

static void raw_switch(Context& from, Context& to) { swapcontext(&from.uc, &to.uc); }

#endif

void context_switch(Context& from, Context& to, bool from_exits)
{
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_start_switch_fiber(from_exits ? nullptr : &from.fake_stack, to.stack_bottom, to.stack_size);
#else
    (void)from_exits;
#endif
    raw_switch(from, to);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(from.fake_stack, nullptr, nullptr);
#endif
}

void context_entered(Context& came_from)
{
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(nullptr, &came_from.stack_bottom, &came_from.stack_size);
#else
    (void)came_from;
#endif
}

}} // namespace cuda_emu::detail
