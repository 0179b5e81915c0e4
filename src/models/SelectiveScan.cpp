#include "ren/models/SelectiveScan.h"

#include <torch/torch.h>

namespace ren::models {

namespace {

void checkShapes(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A, const torch::Tensor& Bm,
                 const torch::Tensor& C, const torch::Tensor& D) {
  TORCH_CHECK(u.dim() == 3, "selective scan: u must be [B, L, E], got ", u.sizes());
  const auto batch = u.size(0), length = u.size(1), channels = u.size(2);
  TORCH_CHECK(delta.sizes() == u.sizes(), "selective scan: delta ", delta.sizes(), " must match u ", u.sizes());
  TORCH_CHECK(A.dim() == 2 && A.size(0) == channels, "selective scan: A must be [E, N], got ", A.sizes());
  const auto states = A.size(1);
  const std::vector<std::int64_t> bcShape{batch, length, states};
  TORCH_CHECK(Bm.sizes() == at::IntArrayRef(bcShape), "selective scan: B must be [B, L, N], got ", Bm.sizes());
  TORCH_CHECK(C.sizes() == at::IntArrayRef(bcShape), "selective scan: C must be [B, L, N], got ", C.sizes());
  TORCH_CHECK(D.dim() == 1 && D.size(0) == channels, "selective scan: D must be [E], got ", D.sizes());
}

}  // namespace

torch::Tensor selectiveScanSequential(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                                      const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& D) {
  checkShapes(u, delta, A, Bm, C, D);
  const auto length = u.size(1);
  auto h = torch::zeros({u.size(0), u.size(2), A.size(1)}, u.options());  // [B, E, N]
  std::vector<torch::Tensor> outputs;
  outputs.reserve(static_cast<std::size_t>(length));
  for (std::int64_t t = 0; t < length; ++t) {
    const auto deltaT = delta.select(1, t);                                         // [B, E]
    const auto decay = (deltaT.unsqueeze(-1) * A).exp();                             // [B, E, N]
    const auto input = (deltaT * u.select(1, t)).unsqueeze(-1) * Bm.select(1, t).unsqueeze(1);  // [B, E, N]
    h = decay * h + input;
    outputs.push_back(torch::matmul(h, C.select(1, t).unsqueeze(-1)).squeeze(-1));  // [B, E]
  }
  return torch::stack(outputs, 1) + u * D;
}

torch::Tensor selectiveScanParallel(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                                    const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& D) {
  checkShapes(u, delta, A, Bm, C, D);
  const auto length = u.size(1);
  // The recurrence h_t = a_t * h_{t-1} + b_t composes associatively on pairs (a, b):
  //   (a1, b1) o (a2, b2) = (a1 * a2, a2 * b1 + b2)   (1 earlier than 2).
  // Hillis-Steele inclusive scan: after the step with offset k, element t holds the composition of
  // the min(2k, t+1) pairs ending at t, so b becomes h once the offset reaches L. Every step builds
  // one new (a, b) pair with slicing and cat (nothing autograd saved is written in place; the one
  // exp_ acts on a fresh temporary its producer does not save); the decays are not needed after the
  // last step.
  auto a = (delta.unsqueeze(-1) * A).exp_();                          // [B, L, E, N]
  auto b = (delta * u).unsqueeze(-1) * Bm.unsqueeze(2);               // [B, L, E, N]
  for (std::int64_t offset = 1; offset < length; offset *= 2) {
    const auto rest = length - offset;
    const auto aLater = a.narrow(1, offset, rest);
    const auto bLater = torch::addcmul(b.narrow(1, offset, rest), aLater, b.narrow(1, 0, rest));  // a2 * b1 + b2
    b = torch::cat({b.narrow(1, 0, offset), bLater}, 1);
    if (2 * offset < length) a = torch::cat({a.narrow(1, 0, offset), aLater * a.narrow(1, 0, rest)}, 1);
  }
  // y_t = sum_n h_t,n * C_t,n + D * u_t, as a batched matrix-vector product (no [B, L, E, N] temporary).
  return torch::matmul(b, C.unsqueeze(-1)).squeeze(-1) + u * D;
}

}  // namespace ren::models
