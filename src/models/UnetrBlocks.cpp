#include "UnetrBlocks.h"

#include <torch/torch.h>

namespace ren::models::unetr {

namespace {

constexpr double kLeakySlope = 0.01;
constexpr double kNormEps = 1e-5;

/// InstanceNorm3d without affine parameters or running statistics (normalises each sample and channel).
torch::Tensor instanceNorm(const torch::Tensor& x) {
  return torch::instance_norm(x, /*weight=*/{}, /*bias=*/{}, /*running_mean=*/{}, /*running_var=*/{},
                              /*use_input_stats=*/true, /*momentum=*/0.1, kNormEps, /*cudnn_enabled=*/false);
}

torch::Tensor leakyRelu_(torch::Tensor x) { return torch::leaky_relu_(x, kLeakySlope); }

}  // namespace

ConvUnitImpl::ConvUnitImpl(const torch::nn::Conv3dOptions& options) {
  conv = register_module("conv", torch::nn::Conv3d(options));
}

torch::Tensor ConvUnitImpl::forward(const torch::Tensor& x) { return conv(x); }

TransposedConvUnitImpl::TransposedConvUnitImpl(const torch::nn::ConvTranspose3dOptions& options) {
  conv = register_module("conv", torch::nn::ConvTranspose3d(options));
}

torch::Tensor TransposedConvUnitImpl::forward(const torch::Tensor& x) { return conv(x); }

UnetResBlockImpl::UnetResBlockImpl(std::int64_t inChannels, std::int64_t outChannels, std::int64_t kernel,
                                   std::int64_t stride) {
  const auto padding = (kernel - stride + 1) / 2;
  conv1 = register_module(
      "conv1",
      ConvUnit(torch::nn::Conv3dOptions(inChannels, outChannels, kernel).stride(stride).padding(padding).bias(false)));
  conv2 = register_module(
      "conv2", ConvUnit(torch::nn::Conv3dOptions(outChannels, outChannels, kernel).padding(kernel / 2).bias(false)));
  if (inChannels != outChannels || stride != 1)
    conv3 = register_module("conv3",
                            ConvUnit(torch::nn::Conv3dOptions(inChannels, outChannels, 1).stride(stride).bias(false)));
}

// In-place activation and residual addition, as MONAI (LeakyReLU(inplace=True), out += residual):
// the instance norm's backward needs its input, not its output, so this is autograd-safe.
torch::Tensor UnetResBlockImpl::forward(const torch::Tensor& x) {
  auto out = leakyRelu_(instanceNorm(conv1(x)));
  out = instanceNorm(conv2(out));
  if (conv3)
    out.add_(instanceNorm(conv3(x)));
  else
    out.add_(x);
  return leakyRelu_(out);
}

UnetrBasicBlockImpl::UnetrBasicBlockImpl(std::int64_t inChannels, std::int64_t outChannels) {
  layer = register_module("layer", UnetResBlock(inChannels, outChannels, 3, 1));
}

torch::Tensor UnetrBasicBlockImpl::forward(const torch::Tensor& x) { return layer(x); }

UnetrUpBlockImpl::UnetrUpBlockImpl(std::int64_t inChannels, std::int64_t outChannels, std::int64_t upsample) {
  transp_conv = register_module(
      "transp_conv",
      TransposedConvUnit(
          torch::nn::ConvTranspose3dOptions(inChannels, outChannels, upsample).stride(upsample).bias(false)));
  conv_block = register_module("conv_block", UnetResBlock(2 * outChannels, outChannels, 3, 1));
}

torch::Tensor UnetrUpBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& skip) {
  return conv_block(torch::cat({transp_conv(x), skip}, 1));
}

UnetOutBlockImpl::UnetOutBlockImpl(std::int64_t inChannels, std::int64_t outChannels) {
  conv = register_module("conv", ConvUnit(torch::nn::Conv3dOptions(inChannels, outChannels, 1).bias(true)));
}

torch::Tensor UnetOutBlockImpl::forward(const torch::Tensor& x) { return conv(x); }

}  // namespace ren::models::unetr
