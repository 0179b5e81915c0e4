#pragma once
// The classical lung segmentation used when a scan has no lobe map (METHOD.md section 1 fallback):
// air threshold, connected components, exclusion of the air outside the body and of the trachea and
// main bronchi, left/right split, hole filling. It yields LEFT and RIGHT only (canonical values 6
// and 7, Regions.h); lobe regions are then absent and the run is limited to the `lungs` region set.
#include <cstdint>

#include "ren/io/Volume.h"

namespace ren::preprocess {

struct LungSegmentationOptions {
  double airThresholdHu = -400.0;   ///< lung parenchyma is below this
  double airwayMaxAreaMm2 = 700.0;  ///< 2-D blobs this small near the midline are trachea/bronchi
  double airwayMidlineMm = 30.0;    ///< ... when their centre is within this of the lungs' midline
};

/// Canonical label map (0, kLeftLungUnknownLobe, kRightLungUnknownLobe) of `ct` (HU, RAS-oriented).
/// Throws InputError when no lung-like air region is found.
io::Volume<std::uint8_t> segmentLungs(const io::Volume<float>& ct, const LungSegmentationOptions& options = {});

}  // namespace ren::preprocess
