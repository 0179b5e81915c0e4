#include "ren/preprocess/ScanPipeline.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>

#include "ren/core/Error.h"
#include "ren/io/ImageFile.h"
#include "ren/io/NiftiImage.h"
#include "ren/preprocess/LobeMap.h"
#include "ren/preprocess/LungSegmentation.h"
#include "ren/preprocess/ModelGridPreset.h"
#include "ren/preprocess/Resample.h"

namespace ren::preprocess {

namespace {
std::string describe(const ScanRecord& s) { return "scan " + s.scanId; }

bool isNifti(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  auto endsWith = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return endsWith(".nii") || endsWith(".nii.gz");
}

/// ITK's NIfTI reader turns NaN and inf voxels into 0, so NIfTI files are checked with our own
/// reader, which keeps them.
void checkFiniteNifti(const std::filesystem::path& path, const std::string& what) {
  if (!isNifti(path)) return;
  const auto raw = io::readNifti<float>(path);
  checkHounsfieldFinite(raw, what);
}

/// Runs `read`, prefixing any InputError with the scan and the role of the file.
template <class Read>
auto readAs(const std::string& what, const std::string& role, Read read) {
  try {
    return read();
  } catch (const InputError& e) {
    throw InputError(what + ": " + role + ": " + e.what());
  }
}
}  // namespace

void checkHounsfieldFinite(const io::Volume<float>& hu, const std::string& source) {
  for (std::size_t i = 0; i < hu.voxels.size(); ++i) {
    const float v = hu.voxels[i];
    if (std::isfinite(v)) continue;
    const auto& n = hu.geometry.size;
    const auto x = static_cast<std::int64_t>(i) % n[0], y = (static_cast<std::int64_t>(i) / n[0]) % n[1],
               z = static_cast<std::int64_t>(i) / (n[0] * n[1]);
    throw InputError(source + ": voxel (" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) +
                     ") is " + (std::isnan(v) ? "NaN" : "infinite"));
  }
}

void checkHounsfield(const io::Volume<float>& hu, const std::string& source) {
  checkHounsfieldFinite(hu, source);
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (const float v : hu.voxels) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo < -10000.0f || hi > 40000.0f || hi < -500.0f || lo > -500.0f)
    throw InputError(source + ": intensities span [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], which is not a chest CT in Hounsfield units (expected air near -1000 and tissue above -500)");
}

std::array<std::int64_t, kRegionCount> regionVoxelCounts(const std::vector<std::uint8_t>& labels) {
  std::array<std::int64_t, kCanonicalLabelCount + 1> perLabel{};
  for (std::uint8_t v : labels)
    if (v <= kCanonicalLabelCount) ++perLabel[v];
  std::array<std::int64_t, kRegionCount> counts{};
  for (const Region& r : kRegions)
    for (int v = 1; v <= kCanonicalLabelCount; ++v)
      if (r.contains(v)) counts[static_cast<std::size_t>(r.index)] += perLabel[static_cast<std::size_t>(v)];
  return counts;
}

IsotropicScan loadIsotropicScan(const ScanRecord& scan, const CohortTable& cohort, const Config& config, int threads) {
  const std::filesystem::path imagePath = cohort.resolve(scan.image);
  const std::string what = describe(scan);
  if (!std::filesystem::exists(imagePath)) throw InputError(what + ": image '" + scan.image + "' does not exist");
  IsotropicScan out;
  const std::string imageName = what + ": image " + imagePath.filename().string();
  checkFiniteNifti(imagePath, imageName);
  io::Volume<float> ct = readAs(what, "image", [&] { return io::readImage(imagePath); });
  out.sourceGeometry = ct.geometry;
  out.imageSha256 = io::fileProvenanceHash(imagePath);
  checkHounsfield(ct, imageName);

  io::Volume<std::uint8_t> labels;
  if (!scan.lobes.empty()) {
    const std::filesystem::path lobesPath = cohort.resolve(scan.lobes);
    if (!std::filesystem::exists(lobesPath)) throw InputError(what + ": lobe map '" + scan.lobes + "' does not exist");
    if (isNifti(lobesPath)) {
      const auto rawValues = readAs(what, "lobe map", [&] { return io::readNifti<float>(lobesPath); });
      checkHounsfieldFinite(rawValues, what + ": lobe map " + lobesPath.filename().string());
    }
    io::Volume<std::int32_t> raw = readAs(what, "lobe map", [&] { return io::readLabelMap(lobesPath); });
    if (auto diff = io::geometryMismatch(ct.geometry, raw.geometry, config.preprocess.geometryTolerance))
      throw InputError(what + ": image and lobe map do not share geometry (first = image " +
                       imagePath.filename().string() + ", second = lobe map " + lobesPath.filename().string() + "): " + *diff);
    CanonicalLobeMap canonical =
        readAs(what, "lobe map", [&] { return toCanonicalLobes(raw, config.cohort, lobesPath.filename().string()); });
    for (int l = 0; l < 5; ++l)
      if (!canonical.present[static_cast<std::size_t>(l)])
        spdlog::warn("{}: lobe {} is empty in its lobe map (recorded; its region has no voxels)", what,
                     kRegions[static_cast<std::size_t>(l)].name);
    labels = std::move(canonical.lobes);
    out.labelConvention = canonical.convention;
    out.lobesSha256 = io::fileProvenanceHash(lobesPath);
  }

  ct = io::reorientToRas(ct);
  if (scan.lobes.empty()) {
    spdlog::warn("{}: no lobe map; using the fallback lung segmentation (LEFT and RIGHT only)", what);
    labels = segmentLungs(ct);
    out.labelConvention = "lung-fallback";
    out.lobesAbsent = true;
  } else {
    labels = io::reorientToRas(labels);
  }
  const double spacing = config.preprocess.isoSpacing;
  out.hu = resampleCubic(ct, spacing, threads);
  out.labels = resampleNearest(labels, spacing);
  return out;
}

PreprocessedScan preprocessScan(const ScanRecord& scan, const CohortTable& cohort, const Config& config, int threads) {
  IsotropicScan iso = loadIsotropicScan(scan, cohort, config, threads);
  const ModelGridPreset& preset = ModelGridPresetRegistry::instance().get(config.preprocess.preset);
  const ModelGridOutput grid = preset.apply(preset, {iso.hu, iso.labels, config.preprocess.grid, config.preprocess.marginMm});

  PreprocessedScan out;
  out.scanId = scan.scanId;
  out.patientId = scan.patientId;
  out.label = scan.label;
  out.site = scan.site;
  out.grid = {config.preprocess.grid, config.preprocess.grid, config.preprocess.grid};
  out.image = grid.image;
  out.lobes = grid.labels;
  out.regionVoxels1mm = regionVoxelCounts(iso.labels.voxels);
  out.regionVoxelsGrid = regionVoxelCounts(grid.labels);
  out.sourceGeometry = iso.sourceGeometry;
  out.isoGeometry = iso.hu.geometry;
  out.box = grid.box;
  out.preset = preset.name;
  out.windowLow = preset.windowLow;
  out.windowHigh = preset.windowHigh;
  out.labelConvention = iso.labelConvention;
  out.lobesAbsent = iso.lobesAbsent;
  out.imageSha256 = iso.imageSha256;
  out.lobesSha256 = iso.lobesSha256;
  return out;
}

}  // namespace ren::preprocess
