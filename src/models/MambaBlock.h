#pragma once
// Internal: the Mamba mixer (selective SSM block of state-spaces/mamba `Mamba`, METHOD.md section 5),
// written in plain LibTorch ops. Input and output [B, L, dModel]. Parameter names follow mamba_ssm
// (in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj) so the weights load by name in Python.
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "ren/models/ExpertNetwork.h"

namespace ren::models {

/// The resolved sizes of one mixer.
struct MambaBlockSize {
  std::int64_t dModel = 128;
  std::int64_t dState = 32;
  std::int64_t dConv = 4;
  std::int64_t expand = 2;
  std::int64_t dtRank = 8;           ///< already resolved (MambaSize's 0 = ceil(dModel / 16))
  std::string scan = "auto";         ///< "auto" (parallel on CUDA, sequential on CPU), "sequential" or "parallel"

  /// From the network sizes; resolves dtRank 0 to ceil(dModel / 16). Does not validate.
  static MambaBlockSize from(const MambaSize& size);
  std::int64_t inner() const { return expand * dModel; }
};

class MambaBlockImpl : public torch::nn::Module {
 public:
  /// Initialises as mamba_ssm: in_proj, x_proj, out_proj truncated normal 0.02; dt_proj weight
  /// U(-R^-0.5, R^-0.5) and bias = inverse softplus of dt ~ exp(U[log 1e-3, log 1e-1]) clamped >= 1e-4;
  /// conv1d PyTorch default; A_log[e, n] = log(n + 1); D = 1. Throws ConfigError for an unknown scan.
  explicit MambaBlockImpl(const MambaBlockSize& size);

  /// x [B, L, dModel] -> [B, L, dModel]. The selective scan always runs in float32 or wider (autocast
  /// is switched off around it and half-precision inputs are widened); the result is cast back to
  /// the dtype of the gate.
  torch::Tensor forward(const torch::Tensor& x);

  const MambaBlockSize& size() const { return size_; }

 private:
  using ScanFunction = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                         const torch::Tensor&, const torch::Tensor&, const torch::Tensor&);
  MambaBlockSize size_;
  ScanFunction scan_;
  torch::nn::Linear inProj_{nullptr};
  torch::nn::Conv1d conv1d_{nullptr};
  torch::nn::Linear xProj_{nullptr};
  torch::nn::Linear dtProj_{nullptr};
  torch::Tensor aLog_;
  torch::Tensor d_;
  torch::nn::Linear outProj_{nullptr};
};
TORCH_MODULE(MambaBlock);

}  // namespace ren::models
