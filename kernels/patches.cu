// Non-overlapping p x p patches of f32 images [B, C, H, W] as rows [B, (H/p)(W/p), C·p·p] (a ViT's unfold: row
// (b, gy, gx), column (c, ky, kx)), and the adjoint that puts patch rows back into images. Patches do not overlap, so
// both directions are permutations of the same elements: each kernel walks its output in order, grid-stride, one
// element per thread, and gathers from the input, so writes are coalesced and reads come in runs of p. Pixels of an
// image that no patch covers (H or W not a multiple of p) receive zero, the gradient of an input nothing read.
#include "common.cuh"

extern "C" __global__ void im2patches_f32(const float* images, float* patches, int batch, int channels, int height, int width, int patch)
{
    const int grid_h = height / patch;
    const int grid_w = width / patch;
    const long long row_length = (long long)channels * patch * patch;
    const long long n = (long long)batch * grid_h * grid_w * row_length;
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count())
    {
        const long long row = i / row_length;
        const int column = (int)(i - row * row_length);
        const int kx = column % patch;
        const int ky = column / patch % patch;
        const int c = column / (patch * patch);
        const int gx = (int)(row % grid_w);
        const int gy = (int)(row / grid_w % grid_h);
        const long long b = row / ((long long)grid_w * grid_h);
        patches[i] = images[((b * channels + c) * height + gy * patch + ky) * width + gx * patch + kx];
    }
}

extern "C" __global__ void patches2im_f32(const float* patches, float* images, int batch, int channels, int height, int width, int patch)
{
    const int grid_h = height / patch;
    const int grid_w = width / patch;
    const long long n = (long long)batch * channels * height * width;
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count())
    {
        const int x = (int)(i % width);
        const int y = (int)(i / width % height);
        const long long plane = i / ((long long)width * height);
        const int c = (int)(plane % channels);
        const long long b = plane / channels;
        const int gx = x / patch;
        const int gy = y / patch;
        images[i] = gx < grid_w && gy < grid_h
            ? patches[((b * grid_h + gy) * grid_w + gx) * ((long long)channels * patch * patch) + ((long long)c * patch + y % patch) * patch + x % patch]
            : 0.0f;
    }
}
