#pragma once
// Training-time augmentation (METHOD.md section 5): random rotation, Gaussian noise and a small affine
// (scale, translation), applied jointly to the image (trilinear) and the label map (nearest neighbour,
// so region masks stay exact), before the region mask is applied. Draws come from ren::Rng (per-sample
// decisions and parameters) and the torch generator (noise), both seeded per epoch by the trainer, so
// an epoch is reproducible.
#include <ATen/ATen.h>

#include <string>

#include "ren/core/Random.h"

namespace ren::train {

struct AugmentSettings {
  double rotateProbability = 0;
  double maxRotation = 0;        ///< radians, per axis, uniform in [-max, max]
  double noiseProbability = 0;
  double noiseSigma = 0;         ///< in windowed intensity units
  double affineProbability = 0;
  double maxTranslation = 0;     ///< voxels of a 96^3 grid (scaled to the actual grid)
  double maxScale = 0;           ///< relative, uniform in [1-max, 1+max] per axis
  bool enabled() const { return rotateProbability > 0 || noiseProbability > 0 || affineProbability > 0; }
};

/// "strong" (the CNN expert's: rotation 0.1 rad p 0.3, noise 0.01 p 0.2, affine p 0.2 translate 5 scale 0.1),
/// "light" (ViT/Mamba: 0.05 rad p 0.2, noise 0.005 p 0.1, affine p 0.1 translate 3 scale 0.05), "none".
AugmentSettings augmentPreset(const std::string& name);

/// Augments a batch in place: `image` [B,1,D,H,W] float, `labels` [B,1,D,H,W] uint8 (same device).
/// Samples that draw no spatial transform are left bit-identical.
void augmentBatch(at::Tensor& image, at::Tensor& labels, const AugmentSettings& settings, Rng& rng);

/// The 3x4 affine (normalised coordinates, align_corners = false) of a rotation by (ax, ay, az)
/// radians, per-axis scale and translation (in voxels of a `grid` edge). Exposed for tests.
at::Tensor affineMatrix(double ax, double ay, double az, double sx, double sy, double sz, double tx, double ty, double tz,
                        std::int64_t grid);

}  // namespace ren::train
