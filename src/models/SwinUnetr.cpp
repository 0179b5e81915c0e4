// The "swinunetr" baseline network: the MONAI-equivalent SwinUNETR (v1) backbone with a classification
// head, as the reference (SwinUNETR with out_channels = feature_size, global average pool, Linear).
#include "SwinUnetr.h"

#include <torch/torch.h>

#include <string>

#include "Networks.h"
#include "ren/core/Error.h"

namespace ren::models {

namespace {

constexpr std::size_t kStages = 4;
/// Spatial reduction of the encoder beyond the patch embedding: one PatchMerging per stage.
constexpr std::int64_t kMergeFactor = std::int64_t{1} << kStages;

std::string listText(const std::vector<std::int64_t>& values) {
  std::string text;
  for (const auto v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
  return text;
}

}  // namespace

void validateSwinUnetrSize(const SwinUnetrSize& size) {
  if (size.featureSize <= 0 || size.featureSize % 12 != 0)
    throw ConfigError("swinunetr.feature_size = " + std::to_string(size.featureSize) +
                      ": must be a positive multiple of 12 (e.g. 24, 48)");
  if (size.patch < 1) throw ConfigError("swinunetr.patch = " + std::to_string(size.patch) + ": must be >= 1");
  if (size.window < 1) throw ConfigError("swinunetr.window = " + std::to_string(size.window) + ": must be >= 1");
  if (size.depths.size() != kStages || size.heads.size() != kStages)
    throw ConfigError("swinunetr.depths = \"" + listText(size.depths) + "\" and swinunetr.heads = \"" +
                      listText(size.heads) + "\": SwinUNETR has 4 stages; give 4 values each");
  for (std::size_t i = 0; i < kStages; ++i) {
    if (size.depths[i] < 1)
      throw ConfigError("swinunetr.depths = \"" + listText(size.depths) + "\": every stage needs >= 1 block");
    const auto channels = size.featureSize << i;
    if (size.heads[i] < 1 || channels % size.heads[i] != 0)
      throw ConfigError("swinunetr.heads = \"" + listText(size.heads) + "\": stage " + std::to_string(i + 1) + " has " +
                        std::to_string(channels) + " channels (feature_size * 2^" + std::to_string(i) +
                        "), which its head count must divide");
  }
  if (size.headPool != "decoder" && size.headPool != "bottleneck")
    throw ConfigError("swinunetr.head_pool = \"" + size.headPool + "\": allowed values are decoder, bottleneck");
}

void validateSwinUnetrSpec(const NetworkSpec& spec) {
  validateSwinUnetrSize(spec.swinunetr);
  if (spec.inChannels < 1)
    throw ConfigError("swinunetr: input channels = " + std::to_string(spec.inChannels) + ": must be >= 1");
  if (spec.classes < 2) throw ConfigError("swinunetr: classes = " + std::to_string(spec.classes) + ": must be >= 2");
  const auto multiple = spec.swinunetr.patch * kMergeFactor;
  if (spec.grid <= 0 || spec.grid % multiple != 0)
    throw ConfigError("preprocess.grid = " + std::to_string(spec.grid) +
                      " is not divisible by swinunetr patch * 2^4 = " + std::to_string(multiple) +
                      " (SwinUNETR halves the patch grid four times), e.g. 96");
}

// ---- backbone ----

SwinUnetrBackboneImpl::SwinUnetrBackboneImpl(const SwinUnetrSize& size, std::int64_t inChannels,
                                             std::int64_t outChannels, bool withDecoder)
    : size_(size), inChannels_(inChannels), withDecoder_(withDecoder) {
  validateSwinUnetrSize(size);
  const auto fs = size.featureSize;
  swinViT = register_module("swinViT",
                            swin::SwinTransformer(inChannels, fs, size.patch, size.window, size.depths, size.heads));
  if (withDecoder) {
    encoder1 = register_module("encoder1", unetr::UnetrBasicBlock(inChannels, fs));
    encoder2 = register_module("encoder2", unetr::UnetrBasicBlock(fs, fs));
    encoder3 = register_module("encoder3", unetr::UnetrBasicBlock(2 * fs, 2 * fs));
    encoder4 = register_module("encoder4", unetr::UnetrBasicBlock(4 * fs, 4 * fs));
  }
  encoder10 = register_module("encoder10", unetr::UnetrBasicBlock(16 * fs, 16 * fs));
  if (withDecoder) {
    decoder5 = register_module("decoder5", unetr::UnetrUpBlock(16 * fs, 8 * fs, 2));
    decoder4 = register_module("decoder4", unetr::UnetrUpBlock(8 * fs, 4 * fs, 2));
    decoder3 = register_module("decoder3", unetr::UnetrUpBlock(4 * fs, 2 * fs, 2));
    decoder2 = register_module("decoder2", unetr::UnetrUpBlock(2 * fs, fs, 2));
    // Back to the input resolution: upsample by the patch (MONAI uses 2, the default patch).
    decoder1 = register_module("decoder1", unetr::UnetrUpBlock(fs, fs, size.patch));
    out = register_module("out", unetr::UnetOutBlock(fs, outChannels));
  }
}

void SwinUnetrBackboneImpl::checkInput(const torch::Tensor& x) const {
  const auto multiple = size_.patch * kMergeFactor;
  bool ok = x.dim() == 5 && x.size(1) == inChannels_;
  for (std::int64_t a = 2; ok && a < 5; ++a) ok = x.size(a) > 0 && x.size(a) % multiple == 0;
  if (!ok)
    throw InputError("swinunetr: input of shape " + c10::str(x.sizes()) + " is not [B, " + std::to_string(inChannels_) +
                     ", D, H, W] with D, H, W multiples of patch * 2^4 = " + std::to_string(multiple));
}

SwinUnetrBackboneImpl::Activations SwinUnetrBackboneImpl::run(const torch::Tensor& x) {
  checkInput(x);
  Activations a;
  a.hidden = swinViT(x, size_.normalize);
  a.dec4 = encoder10(a.hidden[4]);
  if (!withDecoder_) return a;
  a.enc0 = encoder1(x);
  a.enc1 = encoder2(a.hidden[0]);
  a.enc2 = encoder3(a.hidden[1]);
  a.enc3 = encoder4(a.hidden[2]);
  a.dec3 = decoder5(a.dec4, a.hidden[3]);
  a.dec2 = decoder4(a.dec3, a.enc3);
  a.dec1 = decoder3(a.dec2, a.enc2);
  a.dec0 = decoder2(a.dec1, a.enc1);
  a.out = decoder1(a.dec0, a.enc0);
  a.logits = out(a.out);
  return a;
}

torch::Tensor SwinUnetrBackboneImpl::forward(const torch::Tensor& x) {
  if (!withDecoder_)
    throw UsageError("swinunetr: this backbone was built without its decoder (head_pool = bottleneck)");
  return run(x).logits;
}

torch::Tensor SwinUnetrBackboneImpl::bottleneck(const torch::Tensor& x) {
  checkInput(x);
  return encoder10(swinViT(x, size_.normalize)[4]);
}

// ---- the registered classification network ----

namespace {

/// SwinUNETR backbone -> global average pool -> Linear(classes). headPool "decoder" (reference): the
/// backbone's out block maps to featureSize channels at full resolution and is pooled; "bottleneck":
/// the 16 * featureSize encoder10 output is pooled and the decoder is never built.
/// The backbone's parts are registered directly on this module (swinViT.*, encoder1.*, ..., out.*,
/// then head.*), so parameter names match MONAI's SwinUNETR.
class SwinUnetrClassifierImpl : public ExpertNetworkImpl {
 public:
  explicit SwinUnetrClassifierImpl(const NetworkSpec& spec)
      : pooledDecoder_(spec.swinunetr.headPool == "decoder"),
        backbone_(spec.swinunetr, spec.inChannels, spec.swinunetr.featureSize, pooledDecoder_) {
    for (const auto& child : backbone_->named_children()) register_module(child.key(), child.value());
    featureDim_ = pooledDecoder_ ? spec.swinunetr.featureSize : 16 * spec.swinunetr.featureSize;
    head_ = register_module("head", torch::nn::Linear(featureDim_, spec.classes));
  }

  torch::Tensor features(const torch::Tensor& x) override {
    const auto map = pooledDecoder_ ? backbone_->forward(x) : backbone_->bottleneck(x);
    return map.mean({2, 3, 4});
  }

  torch::Tensor forward(const torch::Tensor& x) override { return head_(features(x)); }

  std::int64_t featureDim() const override { return featureDim_; }

 private:
  bool pooledDecoder_;
  SwinUnetrBackbone backbone_;
  std::int64_t featureDim_ = 0;
  torch::nn::Linear head_{nullptr};
};

}  // namespace

// FLOPs of one volume (multiply-add = 2 FLOPs; norms, activations, softmax, the attention mask/bias
// additions, residual additions and pooling are ignored), with g = grid, p = patch, fs = feature size:
//   patch embedding   2 (g/p)^3 p^3 in fs
//   per Swin block at side s, C channels, effective window w' (per effectiveWindow), padded side s'
//     (multiple of w'), padded tokens T' = s'^3, window tokens n = w'^3, unpadded tokens T = s^3:
//       qkv 2 T' C 3C + QK^T 2 T' n C + AV 2 T' n C + proj 2 T' C C   (attention runs on the padded map)
//       MLP 2 T C 4C + 2 T 4C C
//   PatchMerging      2 ceil(s/2)^3 8C 2C
//   UnetResBlock(in -> out) at V voxels: 2 V 27 in out + 2 V 27 out out (+ 2 V in out for the 1x1x1 conv3)
//   UnetrUpBlock(in -> out) to V voxels: transposed conv 2 V in out (k = s: one tap per output voxel)
//     + UnetResBlock(2 out -> out) at V
//   out block 2 g^3 fs fs, head 2 fs classes (decoder); bottleneck: encoder10 only, head 2 16fs classes.
double swinUnetrFlopsPerVolume(const NetworkSpec& spec) {
  validateSwinUnetrSpec(spec);
  const auto& size = spec.swinunetr;
  const double fs = static_cast<double>(size.featureSize);
  const double in = static_cast<double>(spec.inChannels);
  const double classes = static_cast<double>(spec.classes);
  const auto cube = [](double v) { return v * v * v; };
  double flops = 0.0;
  const auto resBlock = [&](double voxels, double cin, double cout) {
    flops += 2.0 * voxels * 27.0 * cin * cout + 2.0 * voxels * 27.0 * cout * cout;
    if (cin != cout) flops += 2.0 * voxels * cin * cout;
  };
  const auto upBlock = [&](double voxelsOut, double cin, double cout) {
    flops += 2.0 * voxelsOut * cin * cout;
    resBlock(voxelsOut, 2.0 * cout, cout);
  };

  const std::int64_t side0 = spec.grid / size.patch;
  flops += 2.0 * cube(static_cast<double>(side0)) * cube(static_cast<double>(size.patch)) * in * fs;
  std::int64_t side = side0;
  for (std::size_t i = 0; i < kStages; ++i) {
    const double c = fs * static_cast<double>(std::int64_t{1} << i);
    const swin::Triple sides{side, side, side};
    const swin::Triple window{size.window, size.window, size.window};
    const auto geometry = swin::effectiveWindow(sides, window, {size.window / 2, size.window / 2, size.window / 2});
    const auto padded = swin::paddedSide(sides, geometry.window);
    const double tokensPadded = static_cast<double>(padded[0] * padded[1] * padded[2]);
    const double tokens = cube(static_cast<double>(side));
    const double windowTokens = static_cast<double>(geometry.window[0] * geometry.window[1] * geometry.window[2]);
    const double perBlock = 2.0 * tokensPadded * c * 3.0 * c + 2.0 * 2.0 * tokensPadded * windowTokens * c +
                            2.0 * tokensPadded * c * c + 2.0 * 2.0 * tokens * c * 4.0 * c;
    flops += static_cast<double>(size.depths[i]) * perBlock;
    side = (side + 1) / 2;
    flops += 2.0 * cube(static_cast<double>(side)) * 8.0 * c * 2.0 * c;
  }
  const double v0 = cube(static_cast<double>(spec.grid));
  const auto voxelsAt = [&](std::int64_t halvings) { return cube(static_cast<double>(side0 >> halvings)); };
  resBlock(voxelsAt(4), 16.0 * fs, 16.0 * fs);  // encoder10
  if (size.headPool == "bottleneck") return flops + 2.0 * 16.0 * fs * classes;
  resBlock(v0, in, fs);                       // encoder1
  resBlock(voxelsAt(0), fs, fs);              // encoder2
  resBlock(voxelsAt(1), 2.0 * fs, 2.0 * fs);  // encoder3
  resBlock(voxelsAt(2), 4.0 * fs, 4.0 * fs);  // encoder4
  upBlock(voxelsAt(3), 16.0 * fs, 8.0 * fs);  // decoder5
  upBlock(voxelsAt(2), 8.0 * fs, 4.0 * fs);   // decoder4
  upBlock(voxelsAt(1), 4.0 * fs, 2.0 * fs);   // decoder3
  upBlock(voxelsAt(0), 2.0 * fs, fs);         // decoder2
  upBlock(v0, fs, fs);                        // decoder1
  flops += 2.0 * v0 * fs * fs;                // out block (fs -> fs)
  return flops + 2.0 * fs * classes;          // head
}

NetworkDefinition swinUnetrNetwork() {
  NetworkDefinition d;
  d.name = "swinunetr";
  d.description =
      "MONAI-equivalent SwinUNETR v1 (Swin encoder + UNETR decoder), global average pool of the decoder "
      "output -> Linear (head_pool = bottleneck: pool the 16*feature_size bottleneck, no decoder)";
  d.validate = validateSwinUnetrSpec;
  d.build = [](const NetworkSpec& spec) -> ExpertNetwork {
    validateSwinUnetrSpec(spec);
    return std::make_shared<SwinUnetrClassifierImpl>(spec);
  };
  d.flopsPerVolume = swinUnetrFlopsPerVolume;
  return d;
}

}  // namespace ren::models
