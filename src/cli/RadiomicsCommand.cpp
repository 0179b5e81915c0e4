// `ren radiomics`: one image + mask -> "name,value" CSV on stdout (single-case mode), or the
// radiomics stage over the run's cohort (stage mode, --config).
#include <iostream>
#include <memory>

#include "CliCommand.h"
#include "MpiProcessGroup.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Parallel.h"
#include "ren/core/Stage.h"
#include "ren/io/ImageFile.h"
#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"

namespace ren::cli {

namespace {

struct RadiomicsOptions {
  ConfigOptions config;
  bool force = false;
  std::string image, mask;
  std::optional<int> label;
  std::vector<std::string> params;
  int threads = 0;
};

int runSingleCase(const RadiomicsOptions& o) {
  radiomics::RadiomicsSettings settings;
  for (const auto& p : o.params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--param '" + p + "': expected key=value, e.g. binWidth=25");
    radiomics::applySetting(settings, p.substr(0, eq), p.substr(eq + 1));
  }
  if (o.label) settings.label = *o.label;
  const auto image = io::readImage(o.image);
  const auto mask = io::readLabelMap(o.mask);
  if (io::geometryMismatch(image.geometry, mask.geometry, 1e-3))
    throw InputError("mask '" + o.mask + "' does not have the geometry of image '" + o.image + "': " +
                     *io::geometryMismatch(image.geometry, mask.geometry, 1e-3));
  const radiomics::Roi roi = radiomics::cropRoi(image, mask, settings.label, settings);
  if (roi.labelVoxelCount == 0)
    throw InputError("mask '" + o.mask + "' has no voxel with label " + std::to_string(settings.label));
  const auto features = radiomics::extractFeatures(roi, settings, resolveThreadCount(o.threads));
  if (features.status != "ok")
    throw InputError("the ROI of label " + std::to_string(settings.label) + " in '" + o.mask + "' (" +
                     std::to_string(roi.voxelCount) + " voxels) is " + features.status +
                     " for these settings (minimumROIDimensions " + std::to_string(settings.minimumRoiDimensions) +
                     (settings.minimumRoiSize ? ", minimumROISize " + std::to_string(*settings.minimumRoiSize) : "") + ")");
  std::cout << "name,value\n";
  for (std::size_t i = 0; i < features.names.size(); ++i)
    std::cout << features.names[i] << "," << formatDouble(features.values[i]) << "\n";
  return 0;
}

}  // namespace

std::vector<CliCommand> radiomicsCommands() {
  return {{"radiomics",
           "107 radiomics features: --image IMG --mask MASK prints name,value CSV; --config CFG runs the stage "
           "(every scan x 7 regions -> RUN/radiomics/features.csv + features.h5)",
           [](CLI::App& sub) -> Action {
             auto o = std::make_shared<RadiomicsOptions>();
             o->config.addTo(sub, false);
             sub.add_flag("--force", o->force, "stage mode: run even if the manifest says the stage is complete");
             sub.add_option("--image", o->image, "single-case mode: the image (NIfTI, NRRD, MetaImage, DICOM directory)");
             sub.add_option("--mask", o->mask, "single-case mode: the label map on the image's grid");
             sub.add_option("--label", o->label, "single-case mode: label value of the ROI (default 1)");
             sub.add_option("--param", o->params,
                            "single-case mode: PyRadiomics setting key=value (binWidth, binCount, voxelArrayShift, "
                            "distances, symmetricalGLCM, weightingNorm, gldm_a, resegmentRange, label, "
                            "minimumROIDimensions, minimumROISize, featureClass); repeatable");
             sub.add_option("--threads", o->threads, "single-case mode: threads (0 = all allocated)");
             return [o]() -> int {
               const bool single = !o->image.empty() || !o->mask.empty();
               if (single) {
                 if (o->image.empty() || o->mask.empty()) throw UsageError("single-case mode needs both --image and --mask");
                 if (!o->config.file.empty()) throw UsageError("give either --config (stage mode) or --image/--mask, not both");
                 return runSingleCase(*o);
               }
               if (o->config.file.empty())
                 throw UsageError("ren radiomics needs --image IMG --mask MASK (one case) or --config CFG (the stage)");
               auto group = launchProcessGroup();
               const Config c = o->config.startRun(*group);
               runStage(*StageRegistry::instance().find("radiomics"), c, o->force, *group);
               return 0;
             };
           }}};
}

}  // namespace ren::cli
