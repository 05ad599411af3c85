// Fibers for the CUDA threads of a block: small mmap'd stacks with a guard page, reused across blocks and launches,
// and a context switch that saves only what the ABI says a call preserves. Under AddressSanitizer each switch is
// announced to it, so stack instrumentation stays correct on the fiber stacks.
#pragma once

#include <cstddef>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace cuda_emu { namespace detail {

struct Stack
{
    unsigned char* base = nullptr; // lowest usable address, just above the guard page
    std::size_t size = 0;
    bool dirty = false;            // left by an abandoned fiber: under ASan its shadow still poisons old frames
};

Stack acquire_stack();
void release_stack(Stack& stack);

struct Context
{
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t uc;
#endif
    const void* stack_bottom = nullptr; // the stack this context runs on, for AddressSanitizer
    std::size_t stack_size = 0;
    void* fake_stack = nullptr;
};

// Prepares context to run entry on stack; entry must never return (it switches away for the last time instead).
void context_init(Context& context, Stack& stack, void (*entry)());

// Saves the running context into from and resumes to. from_exits says from is never resumed again.
void context_switch(Context& from, Context& to, bool from_exits);

// First thing a fiber's entry does: completes the switch that started it and learns the stack it came from.
void context_entered(Context& came_from);

}} // namespace cuda_emu::detail
