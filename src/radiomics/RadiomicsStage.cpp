#include "ren/radiomics/RadiomicsStage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Parallel.h"
#include "ren/core/Regions.h"
#include "ren/core/RunLayout.h"
#include "ren/preprocess/PreprocessStage.h"
#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/Roi.h"

namespace ren::radiomics {
namespace fs = std::filesystem;

namespace {

fs::path partsDir(const Config& c, const std::string& fingerprint) {
  return layout::radiomicsDir(c) / ("parts-" + fingerprint.substr(0, 16));
}

fs::path partPath(const fs::path& dir, std::size_t scanIndex) {
  char name[32];
  std::snprintf(name, sizeof name, "scan-%06zu.csv", scanIndex);
  return dir / name;
}

void runRadiomics(const StageContext& ctx) {
  const Config& c = ctx.config;
  const RadiomicsSettings settings = settingsFromConfig(c.radiomics);
  const fs::path tablePath = layout::cohortTable(c);
  if (!fs::exists(tablePath)) throw InputError("cohort table '" + tablePath.string() + "' does not exist");
  const CohortTable cohort = readCohortTable(tablePath);
  const fs::path dir = layout::radiomicsDir(c);
  const fs::path parts = partsDir(c, ctx.fingerprint);
  const int rank = ctx.group.rank(), size = ctx.group.size();
  if (rank == 0) {  // nothing may claim completeness while we work
    fs::remove(layout::radiomicsCsv(c));
    fs::remove(layout::radiomicsHdf5(c));
  }
  fs::create_directories(parts);

  // This rank's scans that are not done yet. They run `outer` at a time, each with `inner` threads
  // for its regions: loading a scan is mostly serial, so whole scans in parallel keep every thread
  // busy; a rank with fewer scans than threads gives the spare threads to the regions.
  std::vector<std::size_t> todo;
  for (std::size_t s = static_cast<std::size_t>(rank); s < cohort.scans.size(); s += static_cast<std::size_t>(size)) {
    if (fs::exists(partPath(parts, s))) {
      spdlog::debug("radiomics: {} is done, keeping {}", cohort.scans[s].scanId, partPath(parts, s).filename().string());
      continue;
    }
    todo.push_back(s);
  }
  const int outer = std::max(1, std::min(ctx.threads, static_cast<int>(todo.size())));
  const int inner = std::max(1, ctx.threads / outer);
  std::vector<std::string> errors(todo.size());
  parallelFor(todo.size(), outer, [&](std::size_t t) {
    const std::size_t s = todo[t];
    const ScanRecord& scan = cohort.scans[s];
    try {
      const auto start = std::chrono::steady_clock::now();
      const preprocess::IsotropicScan iso = preprocess::loadIsotropicScan(scan, cohort, c, inner);
      const auto loaded = std::chrono::steady_clock::now();
      FeatureTable rows;
      rows.featureNames = featureNames(settings);
      rows.rows = regionFeatures(iso, scan, settings, inner);
      writeFileAtomic(partPath(parts, s), formatFeatureCsv(rows));
      const auto done = std::chrono::steady_clock::now();
      spdlog::info("radiomics: {} ({}/{}): load {:.2f} s, features {:.2f} s", scan.scanId, s + 1, cohort.scans.size(),
                   std::chrono::duration<double>(loaded - start).count(),
                   std::chrono::duration<double>(done - loaded).count());
    } catch (const std::exception& e) {
      errors[t] = e.what();
    }
  });
  // Report the first bad scan in cohort order, whichever thread met it first; the others are kept.
  std::string error;
  for (const auto& e : errors)
    if (!e.empty() && error.empty()) error = e;
  if (!ctx.group.allTrue(error.empty())) {
    if (!error.empty()) throw InputError(error);
    throw StageFailure("radiomics failed on another rank (see RUN/logs/radiomics-rank*.log)");
  }
  if (rank != 0) return;

  FeatureTable table;
  table.featureNames = featureNames(settings);
  table.settings = describe(settings);
  table.fingerprint = ctx.fingerprint;
  std::size_t flagged = 0;
  for (std::size_t s = 0; s < cohort.scans.size(); ++s) {
    FeatureTable part = readFeatureCsv(partPath(parts, s));
    if (part.featureNames != table.featureNames)
      throw InputError("radiomics: " + partPath(parts, s).string() + " has other feature columns than this run");
    for (auto& row : part.rows) {
      if (row.status != "ok") ++flagged;
      table.rows.push_back(std::move(row));
    }
  }
  writeFileAtomic(layout::radiomicsCsv(c), formatFeatureCsv(table));
  writeFeatureHdf5(layout::radiomicsHdf5(c), table);
  // The merged table now holds everything: drop the per-scan parts of this and older fingerprints.
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && entry.path().filename().string().rfind("parts-", 0) == 0) fs::remove_all(entry.path());
  spdlog::info("radiomics: {} scans x {} regions x {} features -> {} ({} rows flagged NaN)", cohort.scans.size(),
               kRegionCount, table.featureNames.size(), layout::radiomicsCsv(c).string(), flagged);
}

}  // namespace

RadiomicsSettings settingsFromConfig(const RadiomicsConfig& rc) {
  RadiomicsSettings s;
  s.binWidth = rc.binWidth;
  if (rc.binCount > 0) s.binCount = rc.binCount;
  s.voxelArrayShift = rc.voxelArrayShift;
  try {
    applySetting(s, "distances", rc.distances);
    applySetting(s, "weightingNorm", rc.weightingNorm);
    applySetting(s, "resegmentRange", rc.resegmentRange);
  } catch (const UsageError& e) {
    throw ConfigError(std::string("[radiomics]: ") + e.what());
  }
  s.gldmAlpha = rc.gldmAlpha;
  s.minimumRoiDimensions = rc.minimumRoiDimensions;
  if (rc.minimumRoiSize > 0) s.minimumRoiSize = rc.minimumRoiSize;
  validate(s);
  return s;
}

std::vector<FeatureTableRow> regionFeatures(const preprocess::IsotropicScan& scan, const ScanRecord& record,
                                            const RadiomicsSettings& settings, int threads) {
  // Voxels per canonical label, to run the largest regions first, and each label's bounding box,
  // so that each region's crop searches only its own box (one pass over the label map).
  const LabelBoxes labels = labelBoxes(scan.labels);
  const auto& perLabel = labels.count;
  const auto& boxes = labels.box;
  std::array<std::int64_t, kRegionCount> regionVoxels{};
  for (const Region& region : kRegions)
    for (int v = 1; v <= kCanonicalLabelCount; ++v)
      if (region.contains(v)) regionVoxels[static_cast<std::size_t>(region.index)] += perLabel[static_cast<std::size_t>(v)];
  std::array<std::size_t, kRegionCount> order;
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return regionVoxels[a] > regionVoxels[b]; });

  std::vector<FeatureTableRow> rows(kRegionCount);
  parallelFor(kRegionCount, threads, [&](std::size_t n) {
    const Region& region = kRegions[order[n]];
    std::array<bool, 256> selected{};
    IndexBox within;
    for (int v = 1; v <= kCanonicalLabelCount; ++v)
      if (region.contains(v)) {
        selected[static_cast<std::size_t>(v)] = true;
        within = within.united(boxes[static_cast<std::size_t>(v)]);
      }
    const Roi roi = cropRoi(scan.hu, scan.labels, selected, settings, within);
    FeatureVector features = extractFeatures(roi, settings, 1);
    FeatureTableRow& row = rows[static_cast<std::size_t>(region.index)];
    row.scanId = record.scanId;
    row.region = std::string(region.name);
    row.status = features.status;
    row.voxelCount = roi.labelVoxelCount;
    row.values = std::move(features.values);
  });
  return rows;
}

void registerRadiomicsStage(StageRegistry& registry) {
  StageDefinition stage{
      "radiomics",
      "107 radiomics features x 7 regions per scan -> RUN/radiomics/features.csv + features.h5 (MPI-parallel)",
      [](const Config& c) {
        return sectionsHash(c, {"radiomics"}) + "|iso_spacing=" + formatDouble(c.preprocess.isoSpacing) +
               "|geometry_tolerance=" + formatDouble(c.preprocess.geometryTolerance) +
               preprocess::scanInputsFingerprint(c);
      },
      {"synth"},
      nullptr,
      [](const Config& c) { return std::vector<fs::path>{layout::radiomicsCsv(c), layout::radiomicsHdf5(c)}; },
      runRadiomics,
  };
  stage.distributed = true;
  registry.add(std::move(stage));
}

}  // namespace ren::radiomics
