#include "SwinTransformer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "Initialisers.h"

namespace ren::models::swin {

namespace {
/// LayerNorm's parameters are float32; CPU autocast (LibTorch 1.13) does not cast layer_norm's input,
/// so a bf16 activation from an autocast conv or linear is brought back to float first.
torch::Tensor floatForNorm(const torch::Tensor& x) {
  return x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf ? x.to(torch::kFloat) : x;
}
}  // namespace

namespace {

bool anyPositive(const Triple& t) { return t[0] > 0 || t[1] > 0 || t[2] > 0; }

/// Labels 0, 1, 2 of one axis of length n for the slices (in this order, later ones overwriting)
/// [:-w], [-w:-s], [-s:] with Python's slice semantics (-0 == 0).
std::vector<std::int64_t> axisRegionLabels(std::int64_t n, std::int64_t w, std::int64_t s) {
  auto bound = [n](std::int64_t i) { return i < 0 ? std::max<std::int64_t>(n + i, 0) : std::min(i, n); };
  const std::int64_t starts[3] = {0, bound(-w), bound(-s)};
  const std::int64_t stops[3] = {bound(-w), bound(-s), n};
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n), 0);
  for (std::int64_t k = 0; k < 3; ++k)
    for (std::int64_t i = starts[k]; i < stops[k]; ++i) labels[static_cast<std::size_t>(i)] = k;
  return labels;
}

/// Channels-last [B, D, H, W, C] view of a channels-first map, and back.
torch::Tensor toChannelsLast(const torch::Tensor& x) { return x.permute({0, 2, 3, 4, 1}); }
torch::Tensor toChannelsFirst(const torch::Tensor& x) { return x.permute({0, 4, 1, 2, 3}); }

}  // namespace

WindowGeometry effectiveWindow(const Triple& side, const Triple& window, const Triple& shift) {
  WindowGeometry g{window, shift};
  for (std::size_t a = 0; a < 3; ++a) {
    if (side[a] <= window[a]) {
      g.window[a] = side[a];
      g.shift[a] = 0;
    }
  }
  return g;
}

Triple paddedSide(const Triple& side, const Triple& window) {
  Triple p{};
  for (std::size_t a = 0; a < 3; ++a) p[a] = (side[a] + window[a] - 1) / window[a] * window[a];
  return p;
}

torch::Tensor windowPartition(const torch::Tensor& x, const Triple& window) {
  const auto b = x.size(0), d = x.size(1), h = x.size(2), w = x.size(3), c = x.size(4);
  return x.view({b, d / window[0], window[0], h / window[1], window[1], w / window[2], window[2], c})
      .permute({0, 1, 3, 5, 2, 4, 6, 7})
      .reshape({-1, window[0] * window[1] * window[2], c});
}

torch::Tensor windowReverse(const torch::Tensor& windows, const Triple& window, std::int64_t batch,
                            const Triple& side) {
  return windows
      .view({batch, side[0] / window[0], side[1] / window[1], side[2] / window[2], window[0], window[1], window[2], -1})
      .permute({0, 1, 4, 2, 5, 3, 6, 7})
      .reshape({batch, side[0], side[1], side[2], -1});
}

torch::Tensor shiftRegionIds(const Triple& padded, const Triple& window, const Triple& shift) {
  const auto ld = axisRegionLabels(padded[0], window[0], shift[0]);
  const auto lh = axisRegionLabels(padded[1], window[1], shift[1]);
  const auto lw = axisRegionLabels(padded[2], window[2], shift[2]);
  auto ids = torch::empty({padded[0], padded[1], padded[2]}, torch::kLong);
  auto acc = ids.accessor<std::int64_t, 3>();
  for (std::int64_t i = 0; i < padded[0]; ++i)
    for (std::int64_t j = 0; j < padded[1]; ++j)
      for (std::int64_t k = 0; k < padded[2]; ++k)
        acc[i][j][k] =
            9 * ld[static_cast<std::size_t>(i)] + 3 * lh[static_cast<std::size_t>(j)] + lw[static_cast<std::size_t>(k)];
  return ids;
}

torch::Tensor shiftedWindowMask(const Triple& padded, const Triple& window, const Triple& shift,
                                const torch::Device& device) {
  auto ids = shiftRegionIds(padded, window, shift).to(device).view({1, padded[0], padded[1], padded[2], 1});
  auto perWindow = windowPartition(ids, window).squeeze(-1);  // [nW, n]
  auto differ = perWindow.unsqueeze(1) != perWindow.unsqueeze(2);
  return torch::zeros(differ.sizes(), torch::TensorOptions().dtype(torch::kFloat32).device(device))
      .masked_fill_(differ, -100.0);
}

torch::Tensor relativePositionIndex(const Triple& window) {
  const auto n = window[0] * window[1] * window[2];
  const auto strideD = (2 * window[1] - 1) * (2 * window[2] - 1);
  const auto strideH = 2 * window[2] - 1;
  auto index = torch::empty({n, n}, torch::kLong);
  auto acc = index.accessor<std::int64_t, 2>();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto di = i / (window[1] * window[2]), hi = (i / window[2]) % window[1], wi = i % window[2];
    for (std::int64_t j = 0; j < n; ++j) {
      const auto dj = j / (window[1] * window[2]), hj = (j / window[2]) % window[1], wj = j % window[2];
      acc[i][j] = (di - dj + window[0] - 1) * strideD + (hi - hj + window[1] - 1) * strideH + (wi - wj + window[2] - 1);
    }
  }
  return index;
}

// ---- WindowAttention ----

WindowAttentionImpl::WindowAttentionImpl(std::int64_t dim_, std::int64_t heads_, const Triple& window_)
    : dim(dim_), heads(heads_), window(window_), scale(std::pow(static_cast<double>(dim_ / heads_), -0.5)) {
  const auto tableRows = (2 * window[0] - 1) * (2 * window[1] - 1) * (2 * window[2] - 1);
  relative_position_bias_table = register_parameter("relative_position_bias_table", torch::zeros({tableRows, heads}));
  relative_position_index = register_buffer("relative_position_index", relativePositionIndex(window));
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(true)));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  truncatedNormal(relative_position_bias_table, 0.02, -2.0, 2.0);  // MONAI: trunc_normal_(std=0.02), bounds +-2
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto b = x.size(0), n = x.size(1);
  const auto perWindow = heads * n * n;
  const auto chunk = std::max<std::int64_t>(1, maxChunkElements / perWindow);
  if (!x.device().is_cpu() || chunk >= b) return attend(x, mask);
  // Window i uses mask row i % nW; a chunk never straddles two batch samples' window sets.
  const auto nw = mask.defined() ? mask.size(0) : b;
  std::vector<torch::Tensor> outputs;
  for (std::int64_t start = 0; start < b;) {
    const auto stop = std::min(start + chunk, (start / nw + 1) * nw);
    const auto maskRow = start % nw;
    outputs.push_back(attend(x.slice(0, start, stop),
                             mask.defined() ? mask.slice(0, maskRow, maskRow + stop - start) : torch::Tensor()));
    start = stop;
  }
  return torch::cat(outputs, 0);
}

torch::Tensor WindowAttentionImpl::attend(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto b = x.size(0), n = x.size(1), c = x.size(2);
  auto qkvHeads = qkv(x).reshape({b, n, 3, heads, c / heads}).permute({2, 0, 3, 1, 4});  // [3, b, heads, n, hd]
  auto q = qkvHeads[0] * scale;
  auto k = qkvHeads[1];
  auto v = qkvHeads[2];
  auto attn = torch::matmul(q, k.transpose(-2, -1));  // [b, heads, n, n]
  auto index = relative_position_index.narrow(0, 0, n).narrow(1, 0, n).reshape({-1});
  auto bias = relative_position_bias_table.index_select(0, index).reshape({n, n, heads}).permute({2, 0, 1});
  // In place on the fresh matmul output (its backward needs q and k only): saves two [b, heads, n, n]
  // temporaries, which dominate the memory traffic of the 7^3 windows.
  attn.add_(bias.unsqueeze(0));
  if (mask.defined()) {
    const auto nw = mask.size(0);
    attn.view({b / nw, nw, heads, n, n}).add_(mask.to(attn.scalar_type()).unsqueeze(1).unsqueeze(0));
  }
  attn = torch::softmax(attn, -1);
  auto out = torch::matmul(attn, v).transpose(1, 2).reshape({b, n, c});
  return proj(out);
}

// ---- MLP ----

SwinMlpImpl::SwinMlpImpl(std::int64_t dim, std::int64_t hidden) {
  linear1 = register_module("linear1", torch::nn::Linear(dim, hidden));
  linear2 = register_module("linear2", torch::nn::Linear(hidden, dim));
}

torch::Tensor SwinMlpImpl::forward(const torch::Tensor& x) { return linear2(torch::gelu(linear1(x))); }

// ---- SwinTransformerBlock ----

SwinTransformerBlockImpl::SwinTransformerBlockImpl(std::int64_t dim, std::int64_t heads, const Triple& window_,
                                                   const Triple& shift_, double mlpRatio)
    : window(window_), shift(shift_) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  attn = register_module("attn", WindowAttention(dim, heads, window));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  mlp = register_module("mlp", SwinMlp(dim, static_cast<std::int64_t>(static_cast<double>(dim) * mlpRatio)));
}

torch::Tensor SwinTransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto b = x.size(0);
  const Triple side{x.size(1), x.size(2), x.size(3)};
  const auto geometry = effectiveWindow(side, window, shift);
  const auto padded = paddedSide(side, geometry.window);
  const bool needsPad = padded != side;
  const bool shifted = anyPositive(geometry.shift);

  auto y = norm1(floatForNorm(x));
  // Zero padding of the normalised map (pads are zeros, not LN(0)), at the far end of each axis.
  if (needsPad)
    y = torch::constant_pad_nd(y, {0, 0, 0, padded[2] - side[2], 0, padded[1] - side[1], 0, padded[0] - side[0]});
  if (shifted) y = torch::roll(y, {-geometry.shift[0], -geometry.shift[1], -geometry.shift[2]}, {1, 2, 3});
  auto windows = attn(windowPartition(y, geometry.window), shifted ? mask : torch::Tensor());
  y = windowReverse(windows, geometry.window, b, padded);
  if (shifted) y = torch::roll(y, {geometry.shift[0], geometry.shift[1], geometry.shift[2]}, {1, 2, 3});
  if (needsPad) y = y.slice(1, 0, side[0]).slice(2, 0, side[1]).slice(3, 0, side[2]).contiguous();

  auto out = x + y;
  return out + mlp(norm2(floatForNorm(out)));
}

// ---- PatchMerging ----

PatchMergingImpl::PatchMergingImpl(std::int64_t dim) {
  reduction = register_module("reduction", torch::nn::Linear(torch::nn::LinearOptions(8 * dim, 2 * dim).bias(false)));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({8 * dim})));
}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor& input) {
  auto x = input;
  const auto d = x.size(1), h = x.size(2), w = x.size(3);
  if (d % 2 == 1 || h % 2 == 1 || w % 2 == 1) x = torch::constant_pad_nd(x, {0, 0, 0, w % 2, 0, h % 2, 0, d % 2});
  // MONAI v1 order (sic: offsets (0,1,0) and (0,0,1) appear twice, (1,1,0) and (0,1,1) never).
  static const std::int64_t kOffsets[8][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1},
                                              {1, 0, 1}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}};
  constexpr auto kEnd = std::numeric_limits<std::int64_t>::max();
  std::vector<torch::Tensor> parts;
  parts.reserve(8);
  for (const auto& o : kOffsets)
    parts.push_back(x.slice(1, o[0], kEnd, 2).slice(2, o[1], kEnd, 2).slice(3, o[2], kEnd, 2));
  return reduction(norm(floatForNorm(torch::cat(parts, -1))));
}

// ---- BasicLayer ----

BasicLayerImpl::BasicLayerImpl(std::int64_t dim, std::int64_t depth, std::int64_t heads, const Triple& window_)
    : window(window_), shift{window_[0] / 2, window_[1] / 2, window_[2] / 2} {
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < depth; ++i)
    blocks->push_back(SwinTransformerBlock(dim, heads, window, i % 2 == 0 ? Triple{0, 0, 0} : shift));
  downsample = register_module("downsample", PatchMerging(dim));
}

torch::Tensor BasicLayerImpl::forward(const torch::Tensor& input) {
  auto x = toChannelsLast(input);
  const Triple side{x.size(1), x.size(2), x.size(3)};
  const auto geometry = effectiveWindow(side, window, shift);
  torch::Tensor mask;  // the odd blocks' mask, on the padded map; none when no axis shifts
  if (anyPositive(geometry.shift)) {
    const auto padded = paddedSide(side, geometry.window);
    if (!maskCache_.defined() || maskCacheSide_ != padded || maskCache_.device() != x.device())
      maskCache_ = shiftedWindowMask(padded, geometry.window, geometry.shift, x.device());
    maskCacheSide_ = padded;
    mask = maskCache_;
  }
  for (const auto& block : *blocks) x = block->as<SwinTransformerBlock>()->forward(x, mask);
  return toChannelsFirst(downsample(x));
}

// ---- PatchEmbed ----

PatchEmbedImpl::PatchEmbedImpl(std::int64_t inChannels, std::int64_t embedDim, std::int64_t patch) {
  proj = register_module(
      "proj", torch::nn::Conv3d(torch::nn::Conv3dOptions(inChannels, embedDim, patch).stride(patch).bias(true)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x) { return proj(x); }

// ---- SwinTransformer ----

SwinTransformerImpl::SwinTransformerImpl(std::int64_t inChannels, std::int64_t embedDim, std::int64_t patch,
                                         std::int64_t window, const std::vector<std::int64_t>& depths,
                                         const std::vector<std::int64_t>& heads) {
  patch_embed = register_module("patch_embed", PatchEmbed(inChannels, embedDim, patch));
  for (std::size_t i = 0; i < depths.size(); ++i) {
    auto stage = BasicLayer(embedDim << i, depths[i], heads[i], Triple{window, window, window});
    register_module("layers" + std::to_string(i + 1), torch::nn::ModuleList(stage));
    stages.push_back(stage);
  }
}

std::vector<torch::Tensor> SwinTransformerImpl::forward(const torch::Tensor& x, bool normalize) {
  auto project = [normalize](const torch::Tensor& t) {
    if (!normalize) return t;
    return toChannelsFirst(torch::layer_norm(toChannelsLast(t), {t.size(1)}));
  };
  std::vector<torch::Tensor> hidden;
  auto current = patch_embed(x);
  hidden.push_back(project(current));
  for (auto& stage : stages) {
    current = stage(current.contiguous());
    hidden.push_back(project(current));
  }
  return hidden;
}

}  // namespace ren::models::swin
