// Stage 1 shard throughput: 64 scans on the 96^3 model grid in two shards of 32 (deflate level 4,
// the [preprocess] default), read back through ShardDataset's prefetch on 1 and 2 worker threads,
// against a plain sequential read() of the same files. The files stay in the page cache (nothing is
// dropped), so this measures decoding, not the disk.
//   decoded GB/s: bytes handed to the trainer (float32 image + uint8 lobe map)
//   stored GB/s:  the same voxels as stored before compression (uint16 image + uint8 lobe map)
//   file GB/s:    bytes of the shard files
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "ren/preprocess/ScanShard.h"
#include "ren/preprocess/ShardDataset.h"
#include "ren/preprocess/ShardIndex.h"

namespace fs = std::filesystem;
using namespace ren::preprocess;

namespace {

constexpr int kScans = 64;
constexpr int kScansPerShard = 32;
constexpr std::int64_t kGrid = 96;
constexpr int kCompression = 4;
const std::string kFingerprint = "bench";

/// Smooth random field on the grid: trilinear interpolation of a coarse random lattice.
std::vector<float> smoothField(std::mt19937& rng, int coarse) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int c = coarse + 1;
  std::vector<float> lattice(static_cast<std::size_t>(c * c * c));
  for (auto& v : lattice) v = u(rng);
  const std::size_t n = static_cast<std::size_t>(kGrid * kGrid * kGrid);
  std::vector<float> out(n);
  const float scale = static_cast<float>(coarse) / static_cast<float>(kGrid - 1);
  auto at = [&](int x, int y, int z) { return lattice[static_cast<std::size_t>(x + c * (y + c * z))]; };
  for (std::int64_t z = 0; z < kGrid; ++z)
    for (std::int64_t y = 0; y < kGrid; ++y)
      for (std::int64_t x = 0; x < kGrid; ++x) {
        const float fx = x * scale, fy = y * scale, fz = z * scale;
        const int ix = std::min(static_cast<int>(fx), coarse - 1), iy = std::min(static_cast<int>(fy), coarse - 1),
                  iz = std::min(static_cast<int>(fz), coarse - 1);
        const float tx = fx - ix, ty = fy - iy, tz = fz - iz;
        float v = 0;
        for (int dz = 0; dz < 2; ++dz)
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx)
              v += at(ix + dx, iy + dy, iz + dz) * (dx ? tx : 1 - tx) * (dy ? ty : 1 - ty) * (dz ? tz : 1 - tz);
        out[static_cast<std::size_t>(x + kGrid * (y + kGrid * z))] = v;
      }
  return out;
}

/// A windowed scan as the lung preset stores it: two lungs split into lobes with smooth texture plus
/// CT-like noise (~15 HU in a 1400 HU window), air background (0) everywhere else.
PreprocessedScan benchScan(int i) {
  std::mt19937 rng(static_cast<unsigned>(1000 + i));
  std::normal_distribution<float> noise(0.0f, 0.011f);
  const auto texture = smoothField(rng, 8);
  PreprocessedScan s;
  s.scanId = "bench-" + std::to_string(i);
  s.patientId = "P" + std::to_string(i / 2);
  s.label = i % 3;
  s.site = "site-" + std::to_string(i % 4);
  s.grid = {kGrid, kGrid, kGrid};
  const std::size_t n = static_cast<std::size_t>(kGrid * kGrid * kGrid);
  s.image.resize(n);
  s.lobes.resize(n);
  for (std::int64_t z = 0; z < kGrid; ++z)
    for (std::int64_t y = 0; y < kGrid; ++y)
      for (std::int64_t x = 0; x < kGrid; ++x) {
        const std::size_t k = static_cast<std::size_t>(x + kGrid * (y + kGrid * z));
        const double cx = (x - 47.5) / 46.0, cy = (y - 47.5) / 40.0;
        const bool body = cx * cx + cy * cy < 1.0;
        const double lx = (std::abs(x - 47.5) - 22.0) / 17.0, ly = (y - 47.5) / 30.0, lz = (z - 50.0) / 44.0;
        const bool lung = body && lx * lx + ly * ly + lz * lz < 1.0;
        const bool left = x >= 48;
        std::uint8_t label = 0;
        if (lung) {
          if (left)
            label = z + 0.3 * y > 60 ? 1 : 2;
          else
            label = z + 0.3 * y > 70 ? 3 : (z + 0.3 * y > 50 ? 4 : 5);
        }
        const float t = texture[k];
        // Lung preset: everything outside the lungs is the air background (0), as in real shards.
        float v = lung ? 0.12f + 0.1f * t + noise(rng) : 0.0f;
        s.image[k] = std::clamp(v, 0.0f, 1.0f);
        s.lobes[k] = label;
      }
  s.preset = "lung";
  s.labelConvention = "lungmask";
  s.sourceGeometry.size = {512, 512, 300};
  s.isoGeometry.size = {350, 350, 300};
  return s;
}

struct Fixture {
  fs::path dir;
  std::vector<std::string> ids;
  std::vector<fs::path> files;
  std::uintmax_t fileBytes = 0;
  double writeSeconds = 0;

  Fixture() {
    dir = fs::temp_directory_path() / ("ren_bench_shard_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ShardIndex index;
    index.fingerprint = kFingerprint;
    index.preset = "lung";
    index.grid = kGrid;
    for (int s = 0; s < kScans / kScansPerShard; ++s) {
      std::vector<PreprocessedScan> scans;
      for (int i = 0; i < kScansPerShard; ++i) scans.push_back(benchScan(s * kScansPerShard + i));
      char name[32];
      std::snprintf(name, sizeof name, "shard-%04d.h5", s);
      const auto start = std::chrono::steady_clock::now();
      writeShard(dir / name, scans, kFingerprint, kCompression);
      writeSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      files.push_back(dir / name);
      fileBytes += fs::file_size(dir / name);
      for (const auto& sc : scans) {
        index.shardOf[sc.scanId] = name;
        ids.push_back(sc.scanId);
      }
    }
    writeShardIndex(dir / "index.json", index);
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

constexpr double kVoxels = static_cast<double>(kGrid * kGrid * kGrid);

void BM_WriteShards(benchmark::State& state) {
  // Writing happens once, in the fixture; reported here (compression + HDF5, one thread).
  auto& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(f.files.data());
  state.counters["scans/s (write)"] = kScans / f.writeSeconds;
  state.counters["stored GB/s (write)"] = kScans * kVoxels * 3.0 / 1e9 / f.writeSeconds;
  state.counters["file MB"] = static_cast<double>(f.fileBytes) / 1e6;
  state.counters["compression ratio"] = kScans * kVoxels * 3.0 / static_cast<double>(f.fileBytes);
}
BENCHMARK(BM_WriteShards)->Iterations(1)->Unit(benchmark::kMillisecond);

/// Drops the page cache so the next read comes from the disk, as in training on a fresh node.
/// Needs root; returns false where it is not allowed.
bool dropPageCache() {
  ::sync();
  const int fd = ::open("/proc/sys/vm/drop_caches", O_WRONLY);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "3", 1) == 1;
  ::close(fd);
  return ok;
}

/// Before a timed pass: for the cold variants (second argument 1), drop the page cache untimed.
bool preparePass(benchmark::State& state, bool cold) {
  if (!cold) return true;
  state.PauseTiming();
  const bool ok = dropPageCache();
  state.ResumeTiming();
  if (!ok) state.SkipWithError("dropping the page cache needs root");
  return ok;
}

/// The reader: every scan through ShardDataset::prefetch/next. Args: threads, cold (0/1).
void BM_PrefetchRead(benchmark::State& state) {
  auto& f = fixture();
  const int threads = static_cast<int>(state.range(0));
  const bool cold = state.range(1) != 0;
  ShardDataset data(f.dir, threads);
  std::int64_t scans = 0;
  for (auto _ : state) {
    if (!preparePass(state, cold)) return;
    data.prefetch(f.ids, 8);
    while (auto s = data.next()) {
      benchmark::DoNotOptimize(s->image.data());
      ++scans;
    }
  }
  const double n = static_cast<double>(scans);
  state.counters["threads"] = threads;
  state.counters["scans/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["decoded GB/s"] = benchmark::Counter(n * kVoxels * (4 + 1) / 1e9, benchmark::Counter::kIsRate);
  state.counters["stored GB/s"] = benchmark::Counter(n * kVoxels * (2 + 1) / 1e9, benchmark::Counter::kIsRate);
  state.counters["file GB/s"] = benchmark::Counter(
      n / kScans * static_cast<double>(f.fileBytes) / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PrefetchRead)->Args({1, 0})->Args({2, 0})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_PrefetchRead)->Name("BM_PrefetchReadCold")->Args({1, 1})->Args({2, 1})->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Iterations(5);

/// A plain sequential read() of the same shard files (like cat/dd). Arg: cold (0/1).
void BM_SequentialFileRead(benchmark::State& state) {
  auto& f = fixture();
  const bool cold = state.range(0) != 0;
  std::vector<char> buffer(1 << 20);
  double bytes = 0;
  for (auto _ : state) {
    if (!preparePass(state, cold)) return;
    for (const auto& path : f.files) {
      const int fd = ::open(path.c_str(), O_RDONLY);
      if (fd < 0) {
        state.SkipWithError("cannot open a shard");
        return;
      }
      ssize_t got = 0;
      while ((got = ::read(fd, buffer.data(), buffer.size())) > 0) bytes += static_cast<double>(got);
      ::close(fd);
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  state.counters["file GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SequentialFileRead)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_SequentialFileRead)->Name("BM_SequentialFileReadCold")->Arg(1)->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
