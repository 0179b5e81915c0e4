#include "Initialisers.h"

#include <torch/torch.h>

#include <cmath>

namespace ren::models {

void truncatedNormal(torch::Tensor tensor, double std, double lower, double upper) {
  torch::NoGradGuard noGrad;
  auto cdf = [](double v) { return 0.5 * (1.0 + std::erf(v / std::sqrt(2.0))); };
  tensor.uniform_(2.0 * cdf(lower / std) - 1.0, 2.0 * cdf(upper / std) - 1.0);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.clamp_(lower, upper);
}

}  // namespace ren::models
