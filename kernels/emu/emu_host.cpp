// The child process of the emulated driver's AddressSanitizer mode. An ASan-instrumented module cannot be loaded
// into the .NET test process (the ASan runtime must be the first library of a process), so each launch runs here:
//
//   emu_host <module.so> <device memory file> <base address> <mapped bytes>
//   emu_host <module.so> --kernels      (lists the module's kernels, one per line)
//
// The device memory is a memfd of the parent, mapped at the same address in both processes so device pointers in
// kernel arguments mean the same thing here. Every byte of it is poisoned except the live allocations the parent
// lists, so a kernel reading or writing outside its buffers gets an ASan report (on stderr) instead of silently
// hitting a neighbour. Protocol on stdin/stdout, little-endian:
//   parent: u32 name length, name, u32 grid[3], u32 block[3], u64 dynamic shared bytes, u32 allocation count,
//           {u64 address, u64 bytes} per allocation
//   child:  i32 parameter count (-1: no such kernel), u32 size per parameter
//   parent: the parameter values, concatenated
//   child:  i32 status (0 ok), u32 message length, message
#include <sanitizer/asan_interface.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

namespace {

[[noreturn]] void die(const std::string& message)
{
    std::fprintf(stderr, "emu_host: %s\n", message.c_str());
    std::exit(2);
}

void read_exact(void* out, std::size_t bytes)
{
    auto* p = static_cast<unsigned char*>(out);
    while (bytes > 0)
    {
        ssize_t n = read(0, p, bytes);
        if (n <= 0) die("unexpected end of the request");
        p += n;
        bytes -= static_cast<std::size_t>(n);
    }
}

void write_exact(const void* data, std::size_t bytes)
{
    auto* p = static_cast<const unsigned char*>(data);
    while (bytes > 0)
    {
        ssize_t n = write(1, p, bytes);
        if (n <= 0) die("cannot write the reply");
        p += n;
        bytes -= static_cast<std::size_t>(n);
    }
}

template <class T> T read_value() { T v; read_exact(&v, sizeof v); return v; }

template <class F> F symbol(void* module, const char* name)
{
    void* s = dlsym(module, name);
    if (s == nullptr) die(std::string("module lacks ") + name);
    return reinterpret_cast<F>(s);
}

// The module's C interface (emu_launch.cpp).
struct Module
{
    int (*kernel_count)();
    const char* (*kernel_name)(int);
    int (*kernel_params)(int, unsigned int*, int);
    int (*launch)(int, const unsigned int*, const unsigned int*, unsigned long long, void**, char*, int);
};

Module load(const char* path)
{
    void* module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) die(std::string("cannot load module: ") + dlerror());
    return Module{symbol<int (*)()>(module, "cuda_emu_kernel_count"), symbol<const char* (*)(int)>(module, "cuda_emu_kernel_name"),
                  symbol<int (*)(int, unsigned int*, int)>(module, "cuda_emu_kernel_params"),
                  symbol<int (*)(int, const unsigned int*, const unsigned int*, unsigned long long, void**, char*, int)>(module, "cuda_emu_launch")};
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 3 && std::strcmp(argv[2], "--kernels") == 0)
    {
        Module module = load(argv[1]);
        for (int i = 0; i < module.kernel_count(); ++i) std::printf("%s\n", module.kernel_name(i));
        return 0;
    }
    if (argc != 5) die("usage: emu_host <module.so> <device memory file> <base address> <mapped bytes> | <module.so> --kernels");
    std::uintptr_t base = std::strtoull(argv[3], nullptr, 0);
    std::size_t mapped = std::strtoull(argv[4], nullptr, 0);
    if (mapped > 0)
    {
        int fd = open(argv[2], O_RDWR);
        if (fd < 0) die(std::string("cannot open ") + argv[2]);
        void* at = mmap(reinterpret_cast<void*>(base), mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
        if (at != reinterpret_cast<void*>(base)) die("cannot map device memory at its address in the parent");
        close(fd);
        __asan_poison_memory_region(at, mapped);
    }

    Module module = load(argv[1]);

    std::string name(read_value<std::uint32_t>(), '\0');
    read_exact(name.data(), name.size());
    unsigned int grid[3], block[3];
    read_exact(grid, sizeof grid);
    read_exact(block, sizeof block);
    auto dynamic_shared = read_value<std::uint64_t>();
    auto allocations = read_value<std::uint32_t>();
    for (std::uint32_t i = 0; i < allocations; ++i)
    {
        auto address = read_value<std::uint64_t>();
        auto bytes = read_value<std::uint64_t>();
        __asan_unpoison_memory_region(reinterpret_cast<void*>(address), bytes);
    }

    int index = -1;
    for (int i = 0; i < module.kernel_count(); ++i)
        if (name == module.kernel_name(i)) index = i;
    std::int32_t count = index < 0 ? -1 : module.kernel_params(index, nullptr, 0);
    std::vector<unsigned int> sizes(count > 0 ? static_cast<std::size_t>(count) : 0);
    if (count > 0) module.kernel_params(index, sizes.data(), count);
    write_exact(&count, sizeof count);
    if (count > 0) write_exact(sizes.data(), sizes.size() * sizeof(unsigned int));
    if (count < 0) return 0;

    std::vector<std::vector<unsigned char>> values;
    std::vector<void*> args;
    for (unsigned int size : sizes)
    {
        values.emplace_back(size > 0 ? size : 1);
        read_exact(values.back().data(), size);
        args.push_back(values.back().data());
    }

    char message[4096] = {0};
    std::int32_t status = module.launch(index, grid, block, dynamic_shared, args.data(), message, sizeof message);
    auto length = static_cast<std::uint32_t>(std::strlen(message));
    write_exact(&status, sizeof status);
    write_exact(&length, sizeof length);
    write_exact(message, length);
    return 0;
}
