#pragma once
// Internal: the convolutional blocks of the UNETR decoder (MONAI dynunet_block / unetr_block) with
// MONAI's submodule names, instance norm without affine parameters and LeakyReLU(0.01):
//   UnetResBlock    conv1.conv, conv2.conv [, conv3.conv]   (convolutions without bias)
//   UnetrBasicBlock layer.*                                 (the residual variant)
//   UnetrUpBlock    transp_conv.conv, conv_block.*
//   UnetOutBlock    conv.conv                               (1x1x1 with bias)
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace ren::models::unetr {

/// MONAI's Convolution wrapper reduced to its convolution (conv_only): one child named "conv".
class ConvUnitImpl : public torch::nn::Module {
 public:
  explicit ConvUnitImpl(const torch::nn::Conv3dOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv3d conv{nullptr};
};
TORCH_MODULE(ConvUnit);

/// The transposed variant: one child "conv" = ConvTranspose3d.
class TransposedConvUnitImpl : public torch::nn::Module {
 public:
  explicit TransposedConvUnitImpl(const torch::nn::ConvTranspose3dOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::ConvTranspose3d conv{nullptr};
};
TORCH_MODULE(TransposedConvUnit);

/// Residual block: lrelu(IN(conv2(lrelu(IN(conv1(x))))) + r), r = x, or IN(conv3(x)) with a 1x1x1
/// conv3 (stride `stride`) when the channels or the stride change. conv1 has kernel k, stride `stride`
/// and padding (k - stride + 1) / 2; conv2 kernel k, stride 1.
class UnetResBlockImpl : public torch::nn::Module {
 public:
  UnetResBlockImpl(std::int64_t inChannels, std::int64_t outChannels, std::int64_t kernel = 3, std::int64_t stride = 1);
  torch::Tensor forward(const torch::Tensor& x);
  ConvUnit conv1{nullptr};
  ConvUnit conv2{nullptr};
  ConvUnit conv3{nullptr};  ///< null when the residual is the identity
};
TORCH_MODULE(UnetResBlock);

/// UNETR encoder block (res_block = true): a UnetResBlock named "layer", kernel 3, stride 1.
class UnetrBasicBlockImpl : public torch::nn::Module {
 public:
  UnetrBasicBlockImpl(std::int64_t inChannels, std::int64_t outChannels);
  torch::Tensor forward(const torch::Tensor& x);
  UnetResBlock layer{nullptr};
};
TORCH_MODULE(UnetrBasicBlock);

/// UNETR decoder block: ConvTranspose3d(in, out, k = s = upsample, no bias) -> cat(skip) on channels
/// -> UnetResBlock(2 * out, out).
class UnetrUpBlockImpl : public torch::nn::Module {
 public:
  UnetrUpBlockImpl(std::int64_t inChannels, std::int64_t outChannels, std::int64_t upsample = 2);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip);
  TransposedConvUnit transp_conv{nullptr};
  UnetResBlock conv_block{nullptr};
};
TORCH_MODULE(UnetrUpBlock);

/// Output block: Conv3d 1x1x1 with bias.
class UnetOutBlockImpl : public torch::nn::Module {
 public:
  UnetOutBlockImpl(std::int64_t inChannels, std::int64_t outChannels);
  torch::Tensor forward(const torch::Tensor& x);
  ConvUnit conv{nullptr};
};
TORCH_MODULE(UnetOutBlock);

}  // namespace ren::models::unetr
