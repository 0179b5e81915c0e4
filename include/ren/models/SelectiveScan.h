#pragma once
// The selective scan (S6) of Mamba in plain tensor ops (METHOD.md section 5). Per channel e and state n:
//   h_t = exp(delta_t,e * A_e,n) * h_{t-1} + delta_t,e * B_t,n * u_t,e        (h_{-1} = 0)
//   y_t,e = sum_n h_t,e,n * C_t,n + D_e * u_t,e
// Shapes: u, delta [B, L, E]; A [E, N]; Bm, C [B, L, N]; D [E]; result y [B, L, E].
// Both versions are differentiable through autograd and agree to rounding.
#include <torch/types.h>

namespace ren::models {

/// The exact sequential recurrence, one step per token (the oracle).
torch::Tensor selectiveScanSequential(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                                      const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& D);

/// The parallel associative scan (Hillis-Steele over the pairs (decay, input), ceil(log2 L) steps);
/// matches selectiveScanSequential to 1e-5 in float64 in outputs and gradients.
torch::Tensor selectiveScanParallel(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                                    const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& D);

}  // namespace ren::models
