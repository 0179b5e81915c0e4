#pragma once
// Internal: parameter initialisers shared by the networks.
#include <torch/types.h>

namespace ren::models {

/// Fills `tensor` in place with N(0, std^2) truncated to [lower, upper] (absolute bounds, as PyTorch's
/// trunc_normal_) by inverse-CDF sampling, without recording autograd.
void truncatedNormal(torch::Tensor tensor, double std, double lower, double upper);

/// Truncated at +-2 std (timm's trunc_normal_(std) with a = -2 std, b = 2 std): ViT and Mamba.
inline void truncatedNormal(torch::Tensor tensor, double std) { truncatedNormal(tensor, std, -2.0 * std, 2.0 * std); }

}  // namespace ren::models
