// Stage 1 throughput per core: ren::preprocess::preprocessScan (read the NIfTI image and lobe map,
// check, reorient, resample to 1 mm, canonical lobes, region counts, model-grid preset) on a single
// thread, with the default [preprocess] config (lung preset, 1 mm, grid 96). No shard writing.
//   BM_PreprocessDemo:   synthetic scans at the demo size (configs/demo.toml: 96 x 96 in-plane at
//                        2.5 mm), two scans taken in turn
//   BM_PreprocessChest:  one 512 x 512 in-plane chest CT (0.7 mm; the slice count follows the site's
//                        slice thickness)
// Counters: scans/s, and Mvoxel/s of source voxels (the image as stored, before resampling).
// The inputs are generated once per process with ren::synth::writeSyntheticCohort into the system
// temporary directory and removed at exit (set REN_BENCH_KEEP_COHORT=1 to keep them: a later run
// reuses a complete cohort instead of rendering it again).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "ren/core/CohortTable.h"
#include "ren/core/Config.h"
#include "ren/preprocess/ScanPipeline.h"
#include "ren/synth/SyntheticCohort.h"

namespace fs = std::filesystem;

namespace {

/// A synthetic cohort on disk for the lifetime of the process.
struct BenchCohort {
  fs::path dir;
  ren::CohortTable table;
  BenchCohort(const std::string& name, int size, double spacing, int patients) {
    dir = fs::temp_directory_path() / ("ren_bench_preprocess_" + name);
    ren::SynthConfig c;
    c.size = size;
    c.spacing = spacing;
    c.patients = patients;
    c.maxScansPerPatient = 1;  // one scan per patient
    const int threads = 2;     // generation only; the timed part is single-threaded
    ren::synth::writeSyntheticCohort(dir, c, 11, threads);
    table = ren::readCohortTable(dir / "cohort.csv");
  }
  ~BenchCohort() {
    const char* keep = std::getenv("REN_BENCH_KEEP_COHORT");
    if (!(keep && *keep && std::string(keep) != "0")) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
};

BenchCohort& cohort(const std::string& name, int size, double spacing, int patients) {
  static std::map<std::string, std::unique_ptr<BenchCohort>> cache;
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<BenchCohort>(name, size, spacing, patients);
  return *slot;
}

void runPreprocess(benchmark::State& state, const BenchCohort& data) {
  const ren::Config config;  // defaults: lung preset, 1 mm, grid 96
  const auto& scans = data.table.scans;
  double sourceVoxels = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& scan = scans[next++ % scans.size()];
    const ren::preprocess::PreprocessedScan out = ren::preprocess::preprocessScan(scan, data.table, config, 1);
    benchmark::DoNotOptimize(out.image.data());
    const auto& n = out.sourceGeometry.size;
    sourceVoxels += static_cast<double>(n[0]) * static_cast<double>(n[1]) * static_cast<double>(n[2]);
    state.counters["source_slices"] = static_cast<double>(n[2]);
  }
  state.counters["scans/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["Mvoxel/s"] = benchmark::Counter(sourceVoxels / 1e6, benchmark::Counter::kIsRate);
}

/// Demo size: 96 x 96 in-plane at 2.5 mm; two scans, taken in turn.
void BM_PreprocessDemo(benchmark::State& state) { runPreprocess(state, cohort("demo", 96, 2.5, 2)); }
BENCHMARK(BM_PreprocessDemo)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(4);

/// A clinical chest CT: 512 x 512 in-plane at 0.7 mm.
void BM_PreprocessChest(benchmark::State& state) { runPreprocess(state, cohort("chest512", 512, 0.7, 1)); }
BENCHMARK(BM_PreprocessChest)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
