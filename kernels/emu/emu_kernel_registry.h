// Launch trampolines. The driver appends CUDA_EMU_REGISTER(name) to the kernel source for every `extern "C"
// __global__` function it finds; each registers the kernel's name, its parameter sizes and a thunk that unpacks
// cuLaunchKernel-style arguments (an array of pointers, one to each parameter's value) into a typed call, so C#
// launches identically on the real and the emulated driver.
#pragma once

namespace cuda_emu { namespace detail {

using Thunk = void (*)(void** args);

void register_kernel(const char* name, Thunk thunk, unsigned int param_count, const unsigned int* param_sizes);

template <class T>
using Param = typename std::remove_cv<typename std::remove_reference<T>::type>::type;

template <class... A, std::size_t... I>
inline void invoke(void (*kernel)(A...), void** args, std::index_sequence<I...>)
{
    kernel(*static_cast<Param<A>*>(args[I])...);
}

template <class... A>
inline void invoke(void (*kernel)(A...), void** args)
{
    invoke(kernel, args, std::index_sequence_for<A...>{});
}

template <class F, F Kernel>
void thunk(void** args) { invoke(Kernel, args); }

struct Registrar
{
    template <class... A>
    Registrar(const char* name, void (*)(A...), Thunk t)
    {
        static const unsigned int sizes[] = {static_cast<unsigned int>(sizeof(Param<A>))..., 0u};
        register_kernel(name, t, sizeof...(A), sizes);
    }
};

}} // namespace cuda_emu::detail

#define CUDA_EMU_REGISTER(name) \
    static const ::cuda_emu::detail::Registrar cuda_emu_registrar_##name(#name, &name, &::cuda_emu::detail::thunk<decltype(&name), &name>);
