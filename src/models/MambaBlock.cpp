#include "MambaBlock.h"

#include <torch/torch.h>

#include <cmath>

#include "Initialisers.h"
#include "ren/core/Error.h"
#include "ren/models/SelectiveScan.h"

namespace ren::models {

MambaBlockSize MambaBlockSize::from(const MambaSize& size) {
  MambaBlockSize s;
  s.dModel = size.dModel;
  s.dState = size.dState;
  s.dConv = size.dConv;
  s.expand = size.expand;
  s.dtRank = size.dtRank > 0 ? size.dtRank : (size.dModel + 15) / 16;
  s.scan = size.scan;
  return s;
}

MambaBlockImpl::MambaBlockImpl(const MambaBlockSize& size) : size_(size) {
  if (size.scan == "sequential")
    scan_ = &selectiveScanSequential;
  else if (size.scan == "parallel")
    scan_ = &selectiveScanParallel;
  else if (size.scan == "auto")
    scan_ = nullptr;  // chosen per call: see forward()
  else
    throw ConfigError("mamba.scan '" + size.scan + "' is not a selective scan; allowed: auto, sequential, parallel");

  const auto inner = size.inner();
  const auto rank = size.dtRank;
  const auto states = size.dState;
  inProj_ = register_module("in_proj",
                            torch::nn::Linear(torch::nn::LinearOptions(size.dModel, 2 * inner).bias(false)));
  const auto convOptions =
      torch::nn::Conv1dOptions(inner, inner, size.dConv).groups(inner).padding(size.dConv - 1).bias(true);
  conv1d_ = register_module("conv1d", torch::nn::Conv1d(convOptions));
  xProj_ = register_module("x_proj", torch::nn::Linear(torch::nn::LinearOptions(inner, rank + 2 * states).bias(false)));
  dtProj_ = register_module("dt_proj", torch::nn::Linear(torch::nn::LinearOptions(rank, inner).bias(true)));
  aLog_ = register_parameter("A_log", torch::arange(1, states + 1, torch::kFloat).log().repeat({inner, 1}));
  d_ = register_parameter("D", torch::ones({inner}));
  outProj_ = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(inner, size.dModel).bias(false)));

  torch::NoGradGuard noGrad;
  truncatedNormal(inProj_->weight, 0.02);
  truncatedNormal(xProj_->weight, 0.02);
  truncatedNormal(outProj_->weight, 0.02);
  // dt_proj as mamba_ssm (dt_init "random", dt_scale 1, dt_min 1e-3, dt_max 1e-1, floor 1e-4).
  const double weightBound = std::pow(static_cast<double>(rank), -0.5);
  dtProj_->weight.uniform_(-weightBound, weightBound);
  const auto logLow = std::log(1e-3), logHigh = std::log(1e-1);
  const auto dt = (torch::rand({inner}) * (logHigh - logLow) + logLow).exp().clamp_min(1e-4);
  dtProj_->bias.copy_(dt + torch::log(-torch::expm1(-dt)));  // inverse softplus
}

torch::Tensor MambaBlockImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == size_.dModel, "MambaBlock: input must be [B, L, ", size_.dModel, "], got ",
              x.sizes());
  const auto length = x.size(1);
  const auto rank = size_.dtRank;
  const auto states = size_.dState;

  const auto xz = inProj_->forward(x).chunk(2, -1);
  const auto& z = xz[1];
  // Depthwise causal convolution: pad K-1 on both sides, keep the first L outputs.
  auto u = conv1d_->forward(xz[0].transpose(1, 2)).narrow(2, 0, length).transpose(1, 2);
  u = torch::silu(u);  // [B, L, E]

  const auto projected = xProj_->forward(u);  // [B, L, R + 2N]
  const auto delta = torch::softplus(dtProj_->forward(projected.narrow(-1, 0, rank)));
  const auto bm = projected.narrow(-1, rank, states);
  const auto c = projected.narrow(-1, rank + states, states);

  torch::Tensor y;
  {
    // The recurrence accumulates products of decays over the whole sequence: never in half precision.
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
    const bool reduced = u.scalar_type() == torch::kHalf || u.scalar_type() == torch::kBFloat16;
    const auto type = reduced ? torch::kFloat : u.scalar_type();
    const auto a = -torch::exp(aLog_.to(type));
    // auto: the parallel scan on a GPU (few large kernels) and for short sequences; for long sequences
    // on CPU the sequential one, which moves far less memory (the parallel scan rewrites [B, L, E, N]
    // tensors ceil(log2 L) times; measured 2x faster for L = 64, far slower for L = 1,728 on CPU).
    const ScanFunction scan = scan_ ? scan_
                                    : (u.is_cuda() || u.size(1) <= 256 ? &selectiveScanParallel : &selectiveScanSequential);
    y = scan(u.to(type), delta.to(type), a, bm.to(type), c.to(type), d_.to(type));
  }
  y = y.to(z.scalar_type()) * torch::silu(z);
  return outProj_->forward(y);
}

}  // namespace ren::models
