// Scaled dot-product attention on q [heads, S, Dh] and k, v [heads, Sk, Dh] (heads = B·H, all contiguous), in fp32,
// without materialising the S×Sk scores (flash-attention style). Causal: query i sees keys j ≤ i (top-left aligned,
// as PyTorch's is_causal, also when Sk ≠ S). Dh ≤ MAX_HEAD_DIM.
//
// Element types: q, k, v, o and the gradients share one, F32 or BF16 (the _f32 and _bf16 entry points, one templated
// body each). Rows are widened to float as they are staged in shared memory, all math is fp32 in registers, and each
// output element is rounded once when stored, so a BF16 result is the F32 kernel's result on the same values, rounded.
// lse and D stay float.
//
// Forward, per query row: the keys are walked in tiles of TILE, keeping the running max m, the running sum l of
// exp(s − m) and the output accumulator a; a tile with a larger max rescales l and a by exp(m_old − m_new). Finally
// o = a / l and lse = m + log l, saved for backward.
// Backward from lse, with P_ij = exp(q_i·k_j·scale − lse_i), D_i = dO_i·O_i and dS_ij = P_ij·(dO_i·v_j − D_i)·scale:
//   dQ_i = Σ_j dS_ij·k_j,  dK_j = Σ_i dS_ij·q_i,  dV_j = Σ_i P_ij·dO_i.
// Each output row is owned by one warp, which walks the other side in tiles and adds in a fixed order, so there are
// no atomics and every run gives the same bits; P and dS are recomputed by the dQ pass and the dK/dV pass.
//
// Threads. A block is ROWS warps, each owning one row of the output (a query row in the forward and dQ kernels, a key
// row in the dK/dV kernel); the block stages its warps' own rows in shared memory and streams tiles of TILE rows of
// the other side through shared memory, loaded by all its threads with coalesced row reads. For a tile, lane t scores
// row t of the tile against the warp's row (a Dh-long dot product; tile rows are padded to Dh + 1 floats so the 32
// lanes hit 32 different banks), the warp folds max and sum with shuffles, the lane's weight goes to a per-warp shared
// slot, and then each lane accumulates the output elements d = lane + 32u (u < Dh/32, in registers) over the tile's rows.
#include "common.cuh"

#define TILE 32
#define ROWS 8
#define MAX_HEAD_DIM 128
#define PER_LANE (MAX_HEAD_DIM / 32)
#define PADDED (MAX_HEAD_DIM + 1)

// The sizes every attention kernel takes (one struct: the dK/dV kernel would otherwise take 13 parameters).
struct AttentionShape
{
    int s;       // queries per head
    int sk;      // keys (and values) per head
    int dh;      // head size, at most MAX_HEAD_DIM
    int causal;  // nonzero: query i sees keys j <= i only
    float scale;
};

// The dot product of two dh-long rows, one of them typically a shared-memory broadcast.
__device__ __forceinline__ float row_dot(const float* a, const float* b, int dh)
{
    float sum = 0.f;
    for (int d = 0; d < dh; ++d) sum += a[d] * b[d];
    return sum;
}

// count rows of dh elements from global rows (row stride dh) into a shared float tile of row stride `stride`: warps
// take rows, lanes take elements, so each warp reads whole rows (coalesced).
template <class T>
__device__ __forceinline__ void load_rows(float* tile, int stride, const typename T::Storage* rows, int count, int dh)
{
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    for (int t = warp; t < count; t += ROWS)
        for (int d = lane; d < dh; d += 32) tile[t * stride + d] = T::load(rows[(long long)t * dh + d]);
}

// The number of keys query i sees.
__device__ __forceinline__ int visible_keys(int i, int sk, int causal) { return causal ? min(i + 1, sk) : sk; }

// The rows a block owns: blocks take a head's n rows in groups of ROWS, head after head.
struct RowGroup
{
    long long head;
    int first;  // the group's first row within the head
    int rows;   // ROWS, or fewer in the head's last group
};

__device__ __forceinline__ RowGroup row_group(int n)
{
    const int groups = (n + ROWS - 1) / ROWS;
    RowGroup group;
    group.head = blockIdx.x / groups;
    group.first = (int)(blockIdx.x - group.head * groups) * ROWS;
    group.rows = min(ROWS, n - group.first);
    return group;
}

// P_ij, recomputed in backward from the forward's log-sum-exp.
__device__ __forceinline__ float probability(const float* q, const float* k, int dh, float scale, float lse)
{
    return expf(row_dot(q, k, dh) * scale - lse);
}

// dS_ij = P_ij·(dO_i·v_j − D_i)·scale.
__device__ __forceinline__ float score_grad(float p, const float* go, const float* v, int dh, float delta, float scale)
{
    return (row_dot(go, v, dh) - delta) * p * scale;
}

__device__ __forceinline__ void zero_lanes(float (&acc)[PER_LANE])
{
#pragma unroll
    for (int u = 0; u < PER_LANE; ++u) acc[u] = 0.f;
}

// Stages keys and values j0 .. j0 + TILE (fewer at the end of the block's keys_block) in shared tiles, once every warp
// is done with the previous tile (and, the first time, the block's own rows are loaded). The whole block calls it.
template <class T>
__device__ __forceinline__ void load_key_tile(float* keys, float* values, int values_stride, const typename T::Storage* kh,
    const typename T::Storage* vh, int j0, int keys_block, int dh)
{
    const int count = min(TILE, keys_block - j0);
    __syncthreads();
    load_rows<T>(keys, PADDED, kh + (long long)j0 * dh, count, dh);
    load_rows<T>(values, values_stride, vh + (long long)j0 * dh, count, dh);
    __syncthreads();
}

// acc = acc·rescale + Σ_t weights[t]·tile[t], for this lane's elements d = lane + 32u.
__device__ __forceinline__ void accumulate_lanes(float (&acc)[PER_LANE], float rescale, const float* weights,
    const float* tile, int stride, int count, int dh)
{
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int u = 0; u < PER_LANE; ++u)
    {
        const int d = lane + 32 * u;
        if (d >= dh) break;
        float a = acc[u] * rescale;
        for (int t = 0; t < count; ++t) a += weights[t] * tile[t * stride + d];
        acc[u] = a;
    }
}

// row[d] = acc·factor for this lane's elements, rounded once to T.
template <class T>
__device__ __forceinline__ void store_lanes(typename T::Storage* row, const float (&acc)[PER_LANE], float factor, int dh)
{
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int u = 0; u < PER_LANE; ++u)
    {
        const int d = lane + 32 * u;
        if (d < dh) row[d] = T::store(acc[u] * factor);
    }
}

// blockDim.x = 32·ROWS; grid.x = heads · ceil(s / ROWS), a block per ROWS query rows of one head.
template <class T>
__device__ __forceinline__ void attention_forward(const typename T::Storage* q, const typename T::Storage* k,
    const typename T::Storage* v, typename T::Storage* o, float* lse, AttentionShape shape)
{
    const int s = shape.s;
    const int sk = shape.sk;
    const int dh = shape.dh;
    const int causal = shape.causal;
    const float scale = shape.scale;
    __shared__ float query[ROWS][MAX_HEAD_DIM];
    __shared__ float keys[TILE][PADDED];
    __shared__ float values[TILE][MAX_HEAD_DIM];
    __shared__ float weights[ROWS][TILE];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const RowGroup group = row_group(s);
    const long long head = group.head;
    const int first = group.first;
    const int rows = group.rows;
    const int i = first + warp;
    const typename T::Storage* kh = k + head * sk * dh;
    const typename T::Storage* vh = v + head * sk * dh;
    // Keys this warp's row sees (none for a warp past the last row), and the most any row of the block sees.
    const int keys_row = warp < rows ? visible_keys(i, sk, causal) : 0;
    const int keys_block = visible_keys(first + rows - 1, sk, causal);

    load_rows<T>(&query[0][0], MAX_HEAD_DIM, q + (head * s + first) * dh, rows, dh);
    float row_max = negative_infinity();
    float sum = 0.f;
    float acc[PER_LANE];
    zero_lanes(acc);

    for (int j0 = 0; j0 < keys_block; j0 += TILE)
    {
        load_key_tile<T>(&keys[0][0], &values[0][0], MAX_HEAD_DIM, kh, vh, j0, keys_block, dh);
        if (j0 >= keys_row) continue;  // the same for the whole warp

        const bool visible = j0 + lane < keys_row;
        const float score = visible ? row_dot(query[warp], keys[lane], dh) * scale : negative_infinity();
        const float new_max = fmaxf(row_max, warp_reduce(score, MaxOp()));
        const float rescale = expf(row_max - new_max);
        const float p = visible ? expf(score - new_max) : 0.f;
        sum = sum * rescale + warp_reduce(p, SumOp());
        row_max = new_max;
        weights[warp][lane] = p;
        __syncwarp();
        accumulate_lanes(acc, rescale, weights[warp], &values[0][0], MAX_HEAD_DIM, min(TILE, keys_row - j0), dh);
    }

    if (warp >= rows) return;
    const long long row = head * s + i;
    store_lanes<T>(o + row * dh, acc, 1.f / sum, dh);
    if (lane == 0) lse[row] = row_max + logf(sum);
}

extern "C" __global__ void attention_forward_f32(const float* q, const float* k, const float* v, float* o, float* lse, AttentionShape shape)
{
    attention_forward<F32>(q, k, v, o, lse, shape);
}

extern "C" __global__ void attention_forward_bf16(const unsigned short* q, const unsigned short* k, const unsigned short* v,
    unsigned short* o, float* lse, AttentionShape shape)
{
    attention_forward<BF16>(q, k, v, o, lse, shape);
}

// D_i = dO_i·O_i for every query row (O as stored, so rounded to T); blockDim.x = 32·ROWS, a warp per row;
// grid.x = ceil(rows / ROWS).
template <class T>
__device__ __forceinline__ void attention_backward_delta(const typename T::Storage* go, const typename T::Storage* o,
    float* delta, long long rows, int dh)
{
    const long long row = (long long)blockIdx.x * ROWS + (threadIdx.x >> 5);
    if (row >= rows) return;  // whole warps leave together
    const int lane = threadIdx.x & 31;
    float sum = 0.f;
    for (int d = lane; d < dh; d += 32) sum += T::load(go[row * dh + d]) * T::load(o[row * dh + d]);
    sum = warp_reduce(sum, SumOp());
    if (lane == 0) delta[row] = sum;
}

extern "C" __global__ void attention_backward_delta_f32(const float* go, const float* o, float* delta, long long rows, int dh)
{
    attention_backward_delta<F32>(go, o, delta, rows, dh);
}

extern "C" __global__ void attention_backward_delta_bf16(const unsigned short* go, const unsigned short* o, float* delta,
    long long rows, int dh)
{
    attention_backward_delta<BF16>(go, o, delta, rows, dh);
}

// dQ; blockDim.x = 32·ROWS; grid.x = heads · ceil(s / ROWS), a block per ROWS query rows of one head.
template <class T>
__device__ __forceinline__ void attention_backward_query(const typename T::Storage* go, const typename T::Storage* q,
    const typename T::Storage* k, const typename T::Storage* v, const float* lse, const float* delta,
    typename T::Storage* gq, AttentionShape shape)
{
    const int s = shape.s;
    const int sk = shape.sk;
    const int dh = shape.dh;
    const int causal = shape.causal;
    const float scale = shape.scale;
    __shared__ float query[ROWS][MAX_HEAD_DIM];
    __shared__ float grad[ROWS][MAX_HEAD_DIM];
    __shared__ float keys[TILE][PADDED];
    __shared__ float values[TILE][PADDED];
    __shared__ float weights[ROWS][TILE];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const RowGroup group = row_group(s);
    const long long head = group.head;
    const int first = group.first;
    const int rows = group.rows;
    const long long row = head * s + first + warp;
    const typename T::Storage* kh = k + head * sk * dh;
    const typename T::Storage* vh = v + head * sk * dh;
    const int keys_row = warp < rows ? visible_keys(first + warp, sk, causal) : 0;
    const int keys_block = visible_keys(first + rows - 1, sk, causal);
    const float row_lse = warp < rows ? lse[row] : 0.f;
    const float row_delta = warp < rows ? delta[row] : 0.f;

    load_rows<T>(&query[0][0], MAX_HEAD_DIM, q + (head * s + first) * dh, rows, dh);
    load_rows<T>(&grad[0][0], MAX_HEAD_DIM, go + (head * s + first) * dh, rows, dh);
    float acc[PER_LANE];
    zero_lanes(acc);

    for (int j0 = 0; j0 < keys_block; j0 += TILE)
    {
        load_key_tile<T>(&keys[0][0], &values[0][0], PADDED, kh, vh, j0, keys_block, dh);
        if (j0 >= keys_row) continue;

        float ds = 0.f;
        if (j0 + lane < keys_row)
        {
            const float p = probability(query[warp], keys[lane], dh, scale, row_lse);
            ds = score_grad(p, grad[warp], values[lane], dh, row_delta, scale);
        }
        weights[warp][lane] = ds;
        __syncwarp();
        accumulate_lanes(acc, 1.f, weights[warp], &keys[0][0], PADDED, min(TILE, keys_row - j0), dh);
    }

    if (warp >= rows) return;
    store_lanes<T>(gq + row * dh, acc, 1.f, dh);
}

extern "C" __global__ void attention_backward_query_f32(const float* go, const float* q, const float* k, const float* v,
    const float* lse, const float* delta, float* gq, AttentionShape shape)
{
    attention_backward_query<F32>(go, q, k, v, lse, delta, gq, shape);
}

extern "C" __global__ void attention_backward_query_bf16(const unsigned short* go, const unsigned short* q,
    const unsigned short* k, const unsigned short* v, const float* lse, const float* delta, unsigned short* gq,
    AttentionShape shape)
{
    attention_backward_query<BF16>(go, q, k, v, lse, delta, gq, shape);
}

// dK and dV; blockDim.x = 32·ROWS; grid.x = heads · ceil(sk / ROWS), a block per ROWS key rows of one head.
template <class T>
__device__ __forceinline__ void attention_backward_key(const typename T::Storage* go, const typename T::Storage* q,
    const typename T::Storage* k, const typename T::Storage* v, const float* lse, const float* delta,
    typename T::Storage* gk, typename T::Storage* gv, AttentionShape shape)
{
    const int s = shape.s;
    const int sk = shape.sk;
    const int dh = shape.dh;
    const int causal = shape.causal;
    const float scale = shape.scale;
    __shared__ float key[ROWS][MAX_HEAD_DIM];
    __shared__ float value[ROWS][MAX_HEAD_DIM];
    __shared__ float queries[TILE][PADDED];
    __shared__ float grads[TILE][PADDED];
    __shared__ float tile_lse[TILE];
    __shared__ float tile_delta[TILE];
    __shared__ float probabilities[ROWS][TILE];
    __shared__ float score_grads[ROWS][TILE];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const RowGroup group = row_group(sk);
    const long long head = group.head;
    const int first = group.first;
    const int rows = group.rows;
    const int j = first + warp;
    const typename T::Storage* qh = q + head * s * dh;
    const typename T::Storage* gh = go + head * s * dh;
    // Causal: key j is seen by the queries i ≥ j, so the block starts at the tile holding its first key.
    const int start = causal ? first / TILE * TILE : 0;

    load_rows<T>(&key[0][0], MAX_HEAD_DIM, k + (head * sk + first) * dh, rows, dh);
    load_rows<T>(&value[0][0], MAX_HEAD_DIM, v + (head * sk + first) * dh, rows, dh);
    float acc_k[PER_LANE];
    float acc_v[PER_LANE];
    zero_lanes(acc_k);
    zero_lanes(acc_v);

    for (int i0 = start; i0 < s; i0 += TILE)
    {
        const int count = min(TILE, s - i0);
        __syncthreads();
        load_rows<T>(&queries[0][0], PADDED, qh + (long long)i0 * dh, count, dh);
        load_rows<T>(&grads[0][0], PADDED, gh + (long long)i0 * dh, count, dh);
        if (threadIdx.x < count)
        {
            tile_lse[threadIdx.x] = lse[head * s + i0 + threadIdx.x];
            tile_delta[threadIdx.x] = delta[head * s + i0 + threadIdx.x];
        }
        __syncthreads();
        // Skip the tile when this warp has no key, or (causal) no query of the tile sees it.
        if (warp >= rows || (causal && j >= i0 + count)) continue;

        float p = 0.f;
        float ds = 0.f;
        if (lane < count && (!causal || j <= i0 + lane))
        {
            p = probability(queries[lane], key[warp], dh, scale, tile_lse[lane]);
            ds = score_grad(p, grads[lane], value[warp], dh, tile_delta[lane], scale);
        }
        probabilities[warp][lane] = p;
        score_grads[warp][lane] = ds;
        __syncwarp();
#pragma unroll
        for (int u = 0; u < PER_LANE; ++u)
        {
            const int d = lane + 32 * u;
            if (d >= dh) break;
            float a_k = acc_k[u];
            float a_v = acc_v[u];
            for (int t = 0; t < count; ++t)
            {
                a_k += score_grads[warp][t] * queries[t][d];
                a_v += probabilities[warp][t] * grads[t][d];
            }
            acc_k[u] = a_k;
            acc_v[u] = a_v;
        }
    }

    if (warp >= rows) return;
    const long long row = head * sk + j;
    store_lanes<T>(gk + row * dh, acc_k, 1.f, dh);
    store_lanes<T>(gv + row * dh, acc_v, 1.f, dh);
}

extern "C" __global__ void attention_backward_key_f32(const float* go, const float* q, const float* k, const float* v,
    const float* lse, const float* delta, float* gk, float* gv, AttentionShape shape)
{
    attention_backward_key<F32>(go, q, k, v, lse, delta, gk, gv, shape);
}

extern "C" __global__ void attention_backward_key_bf16(const unsigned short* go, const unsigned short* q,
    const unsigned short* k, const unsigned short* v, const float* lse, const float* delta, unsigned short* gk,
    unsigned short* gv, AttentionShape shape)
{
    attention_backward_key<BF16>(go, q, k, v, lse, delta, gk, gv, shape);
}
