// Radiomics engine throughput (ren_radiomics) on a realistic synthetic 1 mm chest CT, side by side
// with ITK's texture filters (ITKStatistics: ScalarImageToTextureFeaturesFilter and
// ScalarImageToRunLengthFeaturesFilter) on exactly the same ROI and grey levels.
//
// Input: one synthetic chest CT (ren::synth::writeSyntheticCohort, one patient, one scan; by default
// 512 x 512 in-plane at 0.7 mm, a 358 mm field of view; override with REN_BENCH_RADIOMICS_SIZE and
// REN_BENCH_RADIOMICS_SPACING), written once per process into the system temporary directory (kept
// and reused when REN_BENCH_KEEP_COHORT=1, as bench/preprocess_bench.cpp does) and loaded once with
// ren::preprocess::loadIsotropicScan (1 mm isotropic HU + canonical label map). Regions are
// ren::kRegions; the settings are the PyRadiomics defaults (binWidth 25 on HU, distance 1, 13 angles).
// The "lobe" is the lobe whose voxel count is closest to 1 M, the "lung" the larger of LEFT/RIGHT;
// both are printed (with every region's voxel count) before the benchmarks run.
//
//   BM_Crop/<lobe>, BM_Crop/<lung>           cropRoi without a search box (a pass over the whole label
//                                            image for the bounding box, then the copy)
//   BM_Discretise/<lung>                     discretise
//   BM_Feature/<class>/<region>              one feature class' compute (single thread) on the lobe
//                                            and on the lung, ROI and grey levels prepared outside
//   BM_AllFeaturesWholeScan/threads:N        all features of all 7 regions as the stage computes them
//                                            (regionFeatures: label boxes, 7 crops, 7 discretisations,
//                                            7 x 7 classes) with the scan already loaded, regions in
//                                            parallel (largest first) on N threads
//   BM_AllFeaturesWholeScanWithLoad/threads:N  the same plus loadIsotropicScan from disk (N threads)
//   BM_ItkGlcm/<region>, BM_OursGlcm/<region>    ITK's GLCM texture filter (8 Haralick-style features,
//                                            13 offsets, per-offset then averaged) versus our glcm class
//                                            (24 features); counter ours/itk = time ratio
//   BM_ItkGlrlm/<region>, BM_OursGlrlm/<region>  the same for run lengths (ITK: 10 features)
// Counters: voxels (ROI voxels processed per iteration) and Mvoxel/s.
// After the run, the ITK and our values of the shared GLCM/GLRLM features are printed (no assertion).
// Expected differences: ITK's Entropy skips probabilities <= 1e-4; its Correlation divides by the
// variance squared (ours, PyRadiomics', by the variance); its run "length" is the Euclidean distance
// between the run's end voxels, binned here into Ng bins of 1 mm (diagonal runs land in longer
// bins and runs over Ng - 0.5 mm are dropped), which moves the length-weighted run features.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <itkImage.h>
#include <itkMultiThreaderBase.h>
#include <itkScalarImageToRunLengthFeaturesFilter.h>
#include <itkScalarImageToTextureFeaturesFilter.h>

#include "ren/core/CohortTable.h"
#include "ren/core/Config.h"
#include "ren/core/Parallel.h"
#include "ren/core/Regions.h"
#include "ren/preprocess/ScanPipeline.h"
#include "ren/radiomics/FeatureClass.h"
#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/RadiomicsStage.h"
#include "ren/radiomics/GreyLevels.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"
#include "ren/synth/SyntheticCohort.h"

namespace fs = std::filesystem;
namespace rr = ren::radiomics;

namespace {

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}
double envDouble(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}
bool keepCohort() {
  const char* keep = std::getenv("REN_BENCH_KEEP_COHORT");
  return keep && *keep && std::string(keep) != "0";
}

std::array<bool, 256> selection(const ren::Region& region) {
  std::array<bool, 256> selected{};
  for (int v = 0; v < 256; ++v) selected[static_cast<std::size_t>(v)] = region.contains(v);
  return selected;
}

/// The synthetic scan on disk and in memory, for the lifetime of the process.
struct BenchScan {
  fs::path dir;
  ren::CohortTable table;
  ren::Config config;
  ren::preprocess::IsotropicScan iso;
  rr::RadiomicsSettings settings;  // PyRadiomics defaults: binWidth 25, distance 1
  std::array<std::int64_t, ren::kRegionCount> regionVoxels{};
  std::vector<std::size_t> largestFirst;  // region indices, most voxels first
  int lobe = 0;                           // region index of the ~1 M-voxel lobe
  int lung = 5;                           // region index of the larger lung

  BenchScan() {
    const int size = envInt("REN_BENCH_RADIOMICS_SIZE", 512);
    const double spacing = envDouble("REN_BENCH_RADIOMICS_SPACING", 0.7);
    dir = fs::temp_directory_path() /
          ("ren_bench_radiomics_" + std::to_string(size) + "_" + std::to_string(static_cast<int>(spacing * 1000)));
    ren::SynthConfig c;
    c.size = size;
    c.spacing = spacing;
    c.patients = 1;
    c.maxScansPerPatient = 1;
    const auto t0 = std::chrono::steady_clock::now();
    // Generation and the setup load use every core (not timed; the benchmarks set their own threads).
    const int setupThreads = ren::resolveThreadCount(0);
    const auto gen = ren::synth::writeSyntheticCohort(dir, c, 11, setupThreads);
    table = ren::readCohortTable(dir / "cohort.csv");
    config.preprocess.isoSpacing = 1.0;
    const auto t1 = std::chrono::steady_clock::now();
    iso = ren::preprocess::loadIsotropicScan(table.scans.at(0), table, config, setupThreads);
    const auto t2 = std::chrono::steady_clock::now();
    regionVoxels = ren::preprocess::regionVoxelCounts(iso.labels.voxels);
    for (std::size_t r = 0; r < ren::kRegionCount; ++r) largestFirst.push_back(r);
    std::stable_sort(largestFirst.begin(), largestFirst.end(),
                     [&](std::size_t a, std::size_t b) { return regionVoxels[a] > regionVoxels[b]; });
    std::int64_t best = -1;
    for (int r = 0; r < ren::kLobeCount; ++r) {
      const std::int64_t d = std::llabs(regionVoxels[static_cast<std::size_t>(r)] - 1000000);
      if (best < 0 || d < best) best = d, lobe = r;
    }
    lung = regionVoxels[5] >= regionVoxels[6] ? 5 : 6;
    const auto& g = iso.hu.geometry;
    std::fprintf(stderr, "# synthetic chest CT: %d x %d in-plane at %.2f mm (%s, %.1f s); 1 mm isotropic %lld x %lld x %lld "
                 "(load %.2f s)\n", size, size, spacing, gen.reused ? "reused" : "generated",
                 std::chrono::duration<double>(t1 - t0).count(), static_cast<long long>(g.size[0]),
                 static_cast<long long>(g.size[1]), static_cast<long long>(g.size[2]),
                 std::chrono::duration<double>(t2 - t1).count());
    std::fprintf(stderr, "# region voxels (1 mm):");
    for (const auto& region : ren::kRegions)
      std::fprintf(stderr, " %s=%lld", std::string(region.name).c_str(),
                   static_cast<long long>(regionVoxels[static_cast<std::size_t>(region.index)]));
    std::fprintf(stderr, "\n# lobe = %s, lung = %s\n", name(lobe).c_str(), name(lung).c_str());
  }
  ~BenchScan() {
    if (!keepCohort()) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
  static std::string name(int region) { return std::string(ren::kRegions[static_cast<std::size_t>(region)].name); }
  rr::Roi crop(int region) const {
    return rr::cropRoi(iso.hu, iso.labels, selection(ren::kRegions[static_cast<std::size_t>(region)]), settings);
  }
};

BenchScan& scan() {
  static BenchScan s;
  return s;
}

/// ROI and grey levels of one region, prepared once.
struct Prepared {
  rr::Roi roi;
  rr::GreyLevels grey;
};

const Prepared& prepared(int region) {
  static std::map<int, std::unique_ptr<Prepared>> cache;
  auto& slot = cache[region];
  if (!slot) {
    auto p = std::make_unique<Prepared>();
    p->roi = scan().crop(region);
    p->grey = rr::discretise(p->roi, scan().settings);
    slot = std::move(p);
  }
  return *slot;
}

void setVoxelCounters(benchmark::State& state, double voxelsPerIteration) {
  state.counters["voxels"] = voxelsPerIteration;
  state.counters["Mvoxel/s"] =
      benchmark::Counter(voxelsPerIteration * static_cast<double>(state.iterations()) / 1e6, benchmark::Counter::kIsRate);
}

template <class F>
void guarded(benchmark::State& state, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// ---- crop, discretise, single classes ----

void BM_Crop(benchmark::State& state, int region) {
  guarded(state, [&] {
    std::int64_t voxels = 0;
    for (auto _ : state) {
      rr::Roi roi = scan().crop(region);
      voxels = roi.voxelCount;
      benchmark::DoNotOptimize(roi.mask.data());
    }
    setVoxelCounters(state, static_cast<double>(voxels));
  });
}

void BM_Discretise(benchmark::State& state, int region) {
  guarded(state, [&] {
    const Prepared& p = prepared(region);
    for (auto _ : state) {
      rr::GreyLevels grey = rr::discretise(p.roi, scan().settings);
      benchmark::DoNotOptimize(grey.level.data());
    }
    setVoxelCounters(state, static_cast<double>(p.roi.voxelCount));
    state.counters["Ng"] = static_cast<double>(p.grey.binCount);
  });
}

/// Seconds per iteration of our class runs, by "<class>/<region>" (for the ITK ratio).
std::map<std::string, double>& itkSeconds() {
  static std::map<std::string, double> m;
  return m;
}
/// Feature values of the last ITK / our run, by "<class>/<region>".
std::map<std::string, std::vector<double>>& itkValues() {
  static std::map<std::string, std::vector<double>> m;
  return m;
}
std::map<std::string, std::vector<double>>& ourValues() {
  static std::map<std::string, std::vector<double>> m;
  return m;
}

void BM_Feature(benchmark::State& state, std::string cls, int region, bool itkRatio) {
  guarded(state, [&] {
    const Prepared& p = prepared(region);
    const rr::FeatureClass& fc = rr::FeatureClassRegistry::instance().get(cls);
    const rr::FeatureInput input{p.roi, p.grey, scan().settings};
    std::vector<double> values;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
      values = fc.compute(input);
      benchmark::DoNotOptimize(values.data());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                           static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
    setVoxelCounters(state, static_cast<double>(p.roi.voxelCount));
    state.counters["features"] = static_cast<double>(values.size());
    const std::string key = cls + "/" + BenchScan::name(region);
    ourValues()[key] = values;
    if (itkRatio) {
      const auto it = itkSeconds().find(key);
      if (it != itkSeconds().end() && it->second > 0) state.counters["ours/itk"] = seconds / it->second;
    }
  });
}

// ---- the whole scan ----

/// All features of all 7 regions exactly as the radiomics stage computes them
/// (ren::radiomics::regionFeatures: one pass for the label boxes, then crop + extractFeatures per
/// region, regions in parallel, largest first). Returns the ROI voxels summed over the regions.
double allFeatures(const ren::preprocess::IsotropicScan& iso, int threads) {
  const BenchScan& s = scan();
  const auto rows = rr::regionFeatures(iso, s.table.scans.at(0), s.settings, threads);
  double total = 0;
  for (const auto& row : rows) {
    if (row.status != "ok") throw std::runtime_error(row.region + ": status " + row.status);
    benchmark::DoNotOptimize(row.values.data());
    total += static_cast<double>(row.voxelCount);
  }
  return total;
}

void BM_AllFeaturesWholeScan(benchmark::State& state, int threads) {
  guarded(state, [&] {
    double voxels = 0;
    for (auto _ : state) voxels = allFeatures(scan().iso, threads);
    setVoxelCounters(state, voxels);
    state.counters["features"] = static_cast<double>(rr::featureNames(scan().settings).size() * ren::kRegionCount);
  });
}

void BM_AllFeaturesWholeScanWithLoad(benchmark::State& state, int threads) {
  guarded(state, [&] {
    const BenchScan& s = scan();
    double voxels = 0;
    for (auto _ : state) {
      const auto iso = ren::preprocess::loadIsotropicScan(s.table.scans.at(0), s.table, s.config, threads);
      voxels = allFeatures(iso, threads);
    }
    setVoxelCounters(state, voxels);
  });
}

// ---- ITK side by side ----

using ItkImage = itk::Image<unsigned short, 3>;

/// The grey levels of a prepared ROI as ITK images over the padded box: levels (0 outside the ROI)
/// and the mask (1 in the ROI).
struct ItkRoi {
  ItkImage::Pointer level;
  ItkImage::Pointer mask;
  int ng = 0;
  double maxRunMm = 0;
};

const ItkRoi& itkRoi(int region) {
  static std::map<int, ItkRoi> cache;
  auto it = cache.find(region);
  if (it != cache.end()) return it->second;
  const Prepared& p = prepared(region);
  ItkRoi out;
  ItkImage::RegionType box;
  ItkImage::SizeType size;
  for (int a = 0; a < 3; ++a) size[static_cast<unsigned>(a)] = static_cast<itk::SizeValueType>(p.roi.size[a]);
  box.SetSize(size);
  ItkImage::SpacingType spacing;
  for (int a = 0; a < 3; ++a) spacing[static_cast<unsigned>(a)] = p.roi.spacing[a];
  out.level = ItkImage::New();
  out.mask = ItkImage::New();
  for (auto* img : {out.level.GetPointer(), out.mask.GetPointer()}) {
    img->SetRegions(box);
    img->SetSpacing(spacing);
    img->Allocate();
  }
  // ITK's buffer is x fastest, as the box.
  unsigned short* lv = out.level->GetBufferPointer();
  unsigned short* mk = out.mask->GetBufferPointer();
  for (std::size_t v = 0; v < p.grey.level.size(); ++v) {
    lv[v] = p.grey.level[v];
    mk[v] = (p.roi.mask[v] & rr::kInRoi) ? 1 : 0;
  }
  out.ng = p.grey.binCount;
  return cache.emplace(region, std::move(out)).first->second;
}

using TextureFilter = itk::Statistics::ScalarImageToTextureFeaturesFilter<ItkImage>;
using RunLengthFilter = itk::Statistics::ScalarImageToRunLengthFeaturesFilter<ItkImage>;
using TextureFeature = itk::Statistics::HistogramToTextureFeaturesFilterEnums::TextureFeature;
using RunLengthFeature = itk::Statistics::HistogramToRunLengthFeaturesFilterEnums::RunLengthFeature;

// ITK features and our names for them ("" = no counterpart in our class).
const std::vector<std::pair<TextureFeature, std::string>>& itkGlcmFeatures() {
  static const std::vector<std::pair<TextureFeature, std::string>> f{
      {TextureFeature::Energy, "JointEnergy"},
      {TextureFeature::Entropy, "JointEntropy"},
      {TextureFeature::Correlation, "Correlation"},
      {TextureFeature::InverseDifferenceMoment, "Idm"},
      {TextureFeature::Inertia, "Contrast"},
      {TextureFeature::ClusterShade, "ClusterShade"},
      {TextureFeature::ClusterProminence, "ClusterProminence"},
      {TextureFeature::HaralickCorrelation, ""}};
  return f;
}
const std::vector<std::pair<RunLengthFeature, std::string>>& itkGlrlmFeatures() {
  static const std::vector<std::pair<RunLengthFeature, std::string>> f{
      {RunLengthFeature::ShortRunEmphasis, "ShortRunEmphasis"},
      {RunLengthFeature::LongRunEmphasis, "LongRunEmphasis"},
      {RunLengthFeature::GreyLevelNonuniformity, "GrayLevelNonUniformity"},
      {RunLengthFeature::RunLengthNonuniformity, "RunLengthNonUniformity"},
      {RunLengthFeature::LowGreyLevelRunEmphasis, "LowGrayLevelRunEmphasis"},
      {RunLengthFeature::HighGreyLevelRunEmphasis, "HighGrayLevelRunEmphasis"},
      {RunLengthFeature::ShortRunLowGreyLevelEmphasis, "ShortRunLowGrayLevelEmphasis"},
      {RunLengthFeature::ShortRunHighGreyLevelEmphasis, "ShortRunHighGrayLevelEmphasis"},
      {RunLengthFeature::LongRunLowGreyLevelEmphasis, "LongRunLowGrayLevelEmphasis"},
      {RunLengthFeature::LongRunHighGreyLevelEmphasis, "LongRunHighGrayLevelEmphasis"}};
  return f;
}

std::vector<double> runItkGlcm(const ItkRoi& in) {
  auto filter = TextureFilter::New();
  filter->SetNumberOfWorkUnits(1);
  filter->SetInput(in.level);
  filter->SetMaskImage(in.mask);
  filter->SetInsidePixelValue(1);
  filter->SetPixelValueMinMax(1, static_cast<unsigned short>(in.ng));
  filter->SetNumberOfBinsPerAxis(static_cast<unsigned>(in.ng));
  // Offsets: the default, the 13 "previous" neighbours of a 3x3x3 neighbourhood.
  auto requested = TextureFilter::FeatureNameVector::New();
  for (const auto& f : itkGlcmFeatures()) requested->push_back(static_cast<std::uint8_t>(f.first));
  filter->SetRequestedFeatures(requested);
  filter->Update();
  const auto& means = filter->GetFeatureMeans();
  return std::vector<double>(means->begin(), means->end());
}

std::vector<double> runItkGlrlm(const ItkRoi& in) {
  auto filter = RunLengthFilter::New();
  filter->SetNumberOfWorkUnits(1);
  filter->SetInput(in.level);
  filter->SetMaskImage(in.mask);
  filter->SetInsidePixelValue(1);
  filter->SetPixelValueMinMax(1, static_cast<unsigned short>(in.ng));
  // One bin count for both axes: Ng grey-level bins and Ng distance bins of 1 mm centred on
  // 0, 1, ..., Ng-1 mm (ITK's run "length" is the Euclidean distance from the first to the last
  // voxel, so an axis-aligned run of n voxels lands in bin n-1, reported as length n). Longer runs
  // are dropped by ITK.
  filter->SetNumberOfBinsPerAxis(static_cast<unsigned>(in.ng));
  filter->SetDistanceValueMinMax(-0.5, static_cast<double>(in.ng) - 0.5);
  auto requested = RunLengthFilter::FeatureNameVector::New();
  for (const auto& f : itkGlrlmFeatures()) requested->push_back(static_cast<std::uint8_t>(f.first));
  filter->SetRequestedFeatures(requested);
  filter->Update();
  const auto& means = filter->GetFeatureMeans();
  return std::vector<double>(means->begin(), means->end());
}

void BM_Itk(benchmark::State& state, std::string cls, int region) {
  guarded(state, [&] {
    const ItkRoi& in = itkRoi(region);
    std::vector<double> values;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
      values = cls == "glcm" ? runItkGlcm(in) : runItkGlrlm(in);
      benchmark::DoNotOptimize(values.data());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                           static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
    const std::string key = cls + "/" + BenchScan::name(region);
    itkSeconds()[key] = seconds;
    itkValues()[key] = values;
    setVoxelCounters(state, static_cast<double>(prepared(region).roi.voxelCount));
    state.counters["features"] = static_cast<double>(values.size());
    state.counters["Ng"] = static_cast<double>(in.ng);
  });
}

void printValueComparison() {
  if (itkValues().empty()) return;
  std::printf("\n# ITK vs ours (same ROI, same grey levels; ITK averages over its 13 offsets as PyRadiomics does)\n");
  std::printf("%-6s %-6s %-60s %16s %16s %10s\n", "class", "region", "feature (itk -> ours)", "itk", "ours", "ours/itk");
  for (const auto& [key, itk] : itkValues()) {
    const auto ours = ourValues().find(key);
    const std::string cls = key.substr(0, key.find('/'));
    const std::string region = key.substr(key.find('/') + 1);
    const rr::FeatureClass& fc = rr::FeatureClassRegistry::instance().get(cls);
    std::vector<std::pair<std::string, std::string>> names;  // itk name, our name
    if (cls == "glcm") {
      for (const auto& f : itkGlcmFeatures()) {
        std::ostringstream os;
        os << f.first;
        names.emplace_back(os.str(), f.second);
      }
    } else {
      for (const auto& f : itkGlrlmFeatures()) {
        std::ostringstream os;
        os << f.first;
        names.emplace_back(os.str(), f.second);
      }
    }
    for (std::size_t i = 0; i < itk.size() && i < names.size(); ++i) {
      double our = std::nan("");
      if (ours != ourValues().end() && !names[i].second.empty()) {
        const auto at = std::find(fc.featureNames.begin(), fc.featureNames.end(), names[i].second);
        if (at != fc.featureNames.end() && static_cast<std::size_t>(at - fc.featureNames.begin()) < ours->second.size())
          our = ours->second[static_cast<std::size_t>(at - fc.featureNames.begin())];
      }
      std::string label = names[i].first;
      const auto colon = label.rfind(':');
      if (colon != std::string::npos) label = label.substr(colon + 1);
      label += " -> " + (names[i].second.empty() ? std::string("-") : names[i].second);
      std::printf("%-6s %-6s %-60s %16.9g %16.9g %10.6f\n", cls.c_str(), region.c_str(), label.c_str(), itk[i], our,
                  our / itk[i]);
    }
  }
}

void registerAll() {
  const BenchScan& s = scan();
  const int lobe = s.lobe, lung = s.lung;
  const std::string lobeName = BenchScan::name(lobe), lungName = BenchScan::name(lung);
  auto reg = [](const std::string& name, auto fn, int iterations) {
    benchmark::RegisterBenchmark(name.c_str(), fn)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(iterations);
  };
  reg("BM_Crop/" + lobeName, [lobe](benchmark::State& st) { BM_Crop(st, lobe); }, 5);
  reg("BM_Crop/" + lungName, [lung](benchmark::State& st) { BM_Crop(st, lung); }, 5);
  reg("BM_Discretise/" + lungName, [lung](benchmark::State& st) { BM_Discretise(st, lung); }, 5);
  for (const std::string cls : {"firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm"})
    for (int region : {lobe, lung})
      reg("BM_Feature/" + cls + "/" + BenchScan::name(region),
          [cls, region](benchmark::State& st) { BM_Feature(st, cls, region, false); }, 3);
  for (int threads : {1, 2})
    reg("BM_AllFeaturesWholeScan/threads:" + std::to_string(threads),
        [threads](benchmark::State& st) { BM_AllFeaturesWholeScan(st, threads); }, 3);
  for (int threads : {1, 2})
    reg("BM_AllFeaturesWholeScanWithLoad/threads:" + std::to_string(threads),
        [threads](benchmark::State& st) { BM_AllFeaturesWholeScanWithLoad(st, threads); }, 1);
  for (const std::string cls : {"glcm", "glrlm"}) {
    const std::string Cls = cls == "glcm" ? "Glcm" : "Glrlm";
    for (int region : {lobe, lung}) {
      const std::string rn = BenchScan::name(region);
      reg("BM_Itk" + Cls + "/" + rn, [cls, region](benchmark::State& st) { BM_Itk(st, cls, region); }, 2);
      reg("BM_Ours" + Cls + "/" + rn, [cls, region](benchmark::State& st) { BM_Feature(st, cls, region, true); }, 3);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // ITK single-threaded (the texture filters compute on one thread anyway; this also keeps ITK's
  // image readers used by loadIsotropicScan on one thread per ITK call).
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    registerAll();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "setup failed: %s\n", e.what());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  printValueComparison();
  return 0;
}
