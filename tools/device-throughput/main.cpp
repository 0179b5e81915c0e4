// device_throughput: forward and train-step throughput of cnn, vit, mamba and swinunetr at the paper size
// (96^3, the recipe batches cnn 4, vit 2, mamba 4, swinunetr 4), fp32 and bf16 autocast, channels-last-3d
// off and on for cnn, on CUDA when available (else CPU), plus the fp32 (and, on GPU, bf16) GEMM peak.
// The measurement is bench/ThroughputProbe.h, the same as ren_bench_train's. Prints a Markdown table,
// then one JSON object per line (lines starting with '{').
//
// The batches and train-step settings are the recipes of include/ren/core/Config.h, written out here
// because this program does not link ren_core (it builds against any LibTorch on its own).
#include <torch/torch.h>

#ifdef REN_HAVE_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ThroughputProbe.h"
#include "ren/models/ExpertNetwork.h"

namespace {

using ren::bench::Precision;
using ren::bench::ProbeMode;

/// The recipe batch and train-step settings of each network (Config.h: [cnn], [vit], [mamba] recipes;
/// swinunetr is trained with the [baseline] recipe).
struct Recipe {
  const char* arch;
  std::int64_t batch;
  ren::bench::TrainStepSettings train;  // lr, weight decay, label smoothing, clip norm
};
const Recipe kRecipes[] = {
    {"cnn", 4, {1e-4, 1e-4, 0.05, 1.0}},
    {"vit", 2, {5e-5, 1e-3, 0.2, 1.0}},
    {"mamba", 4, {1e-4, 1e-3, 0.2, 1.0}},
    {"swinunetr", 4, {4e-4, 1e-5, 0.0, 0.0}},
};

struct Options {
  std::string device = "auto";
  std::vector<std::string> archs{"cnn", "vit", "mamba", "swinunetr"};
  std::vector<std::string> precisions{"fp32", "bf16"};
  std::vector<std::string> modes{"forward", "train_step"};
  std::int64_t grid = 96;
  std::int64_t batch = 0;  // 0 = the recipe's
  int warmup = -1;         // -1 = 3 on GPU, 1 on CPU
  int steps = -1;          // -1 = 20 on GPU, 2 on CPU
  int threads = 0;         // 0 = LibTorch's default
  std::int64_t gemmN = 4096;
  std::string channelsLast = "cnn";  // networks also measured channels-last-3d: cnn, all or none
};

const char* kUsage =
    "usage: device_throughput [options]\n"
    "  --device auto|cpu|cuda        (default auto: CUDA when available)\n"
    "  --archs LIST                  networks (default cnn,vit,mamba,swinunetr)\n"
    "  --precisions LIST             fp32,bf16 (default both)\n"
    "  --modes LIST                  forward,train_step (default both)\n"
    "  --grid N                      input edge (default 96)\n"
    "  --batch N                     batch for every network (default: the recipe's: cnn 4, vit 2, mamba 4,\n"
    "                                swinunetr 4)\n"
    "  --warmup N                    untimed steps first (default 3 on GPU, 1 on CPU)\n"
    "  --steps N                     timed steps (default 20 on GPU, 2 on CPU)\n"
    "  --threads N                   CPU intra-op threads (default LibTorch's)\n"
    "  --channels-last cnn|all|none  networks also measured channels-last-3d (default cnn)\n"
    "  --gemm-n N                    GEMM edge for the peak probe; 0 = skip (default 4096)\n";

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::invalid_argument("option " + arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--device")
      o.device = value;
    else if (arg == "--archs")
      o.archs = splitList(value);
    else if (arg == "--precisions")
      o.precisions = splitList(value);
    else if (arg == "--modes")
      o.modes = splitList(value);
    else if (arg == "--grid")
      o.grid = std::stoll(value);
    else if (arg == "--batch")
      o.batch = std::stoll(value);
    else if (arg == "--warmup")
      o.warmup = std::stoi(value);
    else if (arg == "--steps")
      o.steps = std::stoi(value);
    else if (arg == "--threads")
      o.threads = std::stoi(value);
    else if (arg == "--gemm-n")
      o.gemmN = std::stoll(value);
    else if (arg == "--channels-last")
      o.channelsLast = value;
    else
      throw std::invalid_argument("unknown option " + arg + "\n" + kUsage);
  }
  for (const auto& a : o.archs) {
    bool known = false;
    for (const auto& r : kRecipes) known = known || a == r.arch;
    if (!known) throw std::invalid_argument("architecture '" + a + "'; allowed: cnn, vit, mamba, swinunetr");
  }
  for (const auto& p : o.precisions) ren::bench::parsePrecision(p);
  for (const auto& m : o.modes)
    if (m != "forward" && m != "train_step") throw std::invalid_argument("mode '" + m + "'; allowed: forward, train_step");
  if (o.channelsLast != "cnn" && o.channelsLast != "all" && o.channelsLast != "none")
    throw std::invalid_argument("--channels-last '" + o.channelsLast + "'; allowed: cnn, all, none");
  return o;
}

torch::Device resolveDevice(const std::string& setting) {
  const bool cuda = torch::cuda::is_available();
  if (setting == "cpu") return torch::kCPU;
  if (setting == "cuda" && !cuda) throw std::invalid_argument("--device cuda but CUDA is not available");
  if (setting != "auto" && setting != "cuda") throw std::invalid_argument("--device '" + setting + "'; allowed: auto, cpu, cuda");
  return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

std::string deviceName(const torch::Device& device) {
#ifdef REN_HAVE_CUDA
  if (device.is_cuda()) return at::cuda::getCurrentDeviceProperties()->name;
#endif
  return device.is_cuda() ? "cuda" : std::to_string(torch::get_num_threads()) + " intra-op threads";
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else if (static_cast<unsigned char>(c) < 0x20)
      out += ' ';
    else
      out += c;
  }
  return out + "\"";
}

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

/// One row of the report: a measurement, or the error that prevented it.
struct Row {
  ren::bench::ProbeResult result;
  std::string error;
};

std::string tableRow(const Row& row) {
  const auto& r = row.result;
  const auto& s = r.setting;
  std::ostringstream out;
  out << "| " << s.arch << " | " << s.spec.grid << "^3 | " << s.batch << " | " << ren::bench::precisionName(s.precision)
      << " | " << (s.channelsLast ? "on" : "off") << " | " << ren::bench::modeName(r.mode) << " | ";
  if (!row.error.empty()) {
    out << "error: " << row.error << " | | | | | |";
    return out.str();
  }
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "%.1f | %.2f | %.2f | %.0f | %.1f | %s |", r.secondsPerStep * 1e3,
                r.volumesPerSecond, r.gflopPerVolume, r.achievedGflops, static_cast<double>(r.parameters) / 1e6,
                r.peak.bytes < 0 ? "n/a" : number(static_cast<double>(r.peak.bytes) / (1024.0 * 1024.0)).c_str());
  out << buffer;
  return out.str();
}

std::string jsonLine(const Row& row) {
  const auto& r = row.result;
  const auto& s = r.setting;
  std::ostringstream out;
  out << "{\"kind\":\"network\",\"arch\":" << jsonString(s.arch) << ",\"grid\":" << s.spec.grid
      << ",\"batch\":" << s.batch << ",\"device\":" << jsonString(s.device.str())
      << ",\"precision\":" << jsonString(ren::bench::precisionName(s.precision))
      << ",\"channels_last\":" << (s.channelsLast ? "true" : "false") << ",\"mode\":" << jsonString(ren::bench::modeName(r.mode))
      << ",\"size\":" << jsonString(ren::bench::describeSize(s.arch, s.spec));
  if (!row.error.empty()) {
    out << ",\"error\":" << jsonString(row.error) << "}";
    return out.str();
  }
  out << ",\"warmup\":" << r.warmup << ",\"steps\":" << r.steps << ",\"seconds_per_step\":" << number(r.secondsPerStep)
      << ",\"volumes_per_s\":" << number(r.volumesPerSecond) << ",\"gflop_per_volume\":" << number(r.gflopPerVolume)
      << ",\"achieved_gflops\":" << number(r.achievedGflops)
      << ",\"flop_convention\":" << jsonString(r.mode == ProbeMode::kTrainStep ? "3x analytic forward" : "1x analytic forward")
      << ",\"params\":" << r.parameters << ",\"peak_bytes\":" << r.peak.bytes << ",\"peak_kind\":" << jsonString(r.peak.kind)
      << "}";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parseOptions(argc, argv);
    if (o.threads > 0) torch::set_num_threads(o.threads);
    const torch::Device device = resolveDevice(o.device);
    const bool gpu = device.is_cuda();
    const int warmup = o.warmup >= 0 ? o.warmup : (gpu ? 3 : 1);
    const int steps = o.steps > 0 ? o.steps : (gpu ? 20 : 2);

    std::printf("# REN-HPC network throughput\n\n");
    std::printf("- device: %s (%s); LibTorch %s; %s\n", device.str().c_str(), deviceName(device).c_str(), TORCH_VERSION,
                ren::bench::tf32Settings().c_str());
    std::printf("- %d warm-up + %d timed steps per row; forward = eval, no grad; train step = forward + class-weighted CE "
                "+ backward (+ clipping) + AdamW; bf16 = autocast\n", warmup, steps);
    std::printf("- GFLOP/vol = analytic forward FLOPs of one volume (multiply-add = 2); achieved GFLOP/s = GFLOP/vol x "
                "volumes/s, x3 for a train step\n");
    std::printf("- peak MiB: %s\n\n", gpu ? "CUDA caching-allocator peak of allocated bytes during the timed steps"
                                          : "the process's max RSS so far (CPU: not resettable, grows over the rows)");
    std::fflush(stdout);

    std::vector<Row> rows;
    std::vector<std::string> gemmLines;
    std::printf("| network | grid | batch | precision | channels-last | mode | ms/step | volumes/s | GFLOP/vol | "
                "GFLOP/s | Mparams | peak MiB |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    std::fflush(stdout);
    for (const auto& arch : o.archs) {
      const Recipe* recipe = nullptr;
      for (const auto& r : kRecipes)
        if (arch == r.arch) recipe = &r;
      std::vector<bool> layouts{false};
      if (o.channelsLast == "all" || (o.channelsLast == "cnn" && arch == "cnn")) layouts.push_back(true);
      for (const auto& precision : o.precisions)
        for (const bool channelsLast : layouts) {
          ren::bench::ProbeSetting setting;
          setting.arch = arch;
          setting.spec.grid = o.grid;
          setting.batch = o.batch > 0 ? o.batch : recipe->batch;
          setting.device = device;
          setting.precision = ren::bench::parsePrecision(precision);
          setting.channelsLast = channelsLast;
          std::unique_ptr<ren::bench::ThroughputProbe> probe;
          std::string buildError;
          try {
            probe = std::make_unique<ren::bench::ThroughputProbe>(setting, recipe->train);
          } catch (const std::exception& e) {
            buildError = e.what();
          }
          // Forward first: its peak then holds no gradients or optimizer state.
          for (const auto& mode : o.modes) {
            Row row;
            row.result.setting = setting;
            row.result.mode = mode == "train_step" ? ProbeMode::kTrainStep : ProbeMode::kForward;
            if (probe) {
              try {
                row.result = probe->measure(row.result.mode, warmup, steps);
              } catch (const std::exception& e) {
                row.error = e.what();
              }
            } else {
              row.error = buildError;
            }
            // Keep the first line of a LibTorch message (they carry a long backtrace).
            row.error = row.error.substr(0, row.error.find('\n'));
            std::printf("%s\n", tableRow(row).c_str());
            std::fflush(stdout);
            rows.push_back(row);
          }
        }
    }

    if (o.gemmN > 0) {
      std::printf("\n| GEMM | n | GFLOP/s |\n|---|---|---|\n");
      std::vector<torch::ScalarType> dtypes{torch::kFloat};
      if (gpu) dtypes.push_back(torch::kBFloat16);
      for (const auto dtype : dtypes) {
        const char* name = dtype == torch::kFloat ? "fp32" : "bf16";
        try {
          ren::bench::GemmProbe gemm(device, dtype, o.gemmN);
          const auto r = gemm.measure(gpu ? 5 : 1, gpu ? 50 : 2);
          std::printf("| %s | %lld | %.0f |\n", name, static_cast<long long>(r.n), r.gflops);
          gemmLines.push_back("{\"kind\":\"gemm\",\"device\":" + jsonString(device.str()) + ",\"dtype\":" + jsonString(name) +
                              ",\"n\":" + std::to_string(r.n) + ",\"steps\":" + std::to_string(r.steps) +
                              ",\"seconds\":" + number(r.seconds) + ",\"gflops\":" + number(r.gflops) + "}");
        } catch (const std::exception& e) {
          const std::string message = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
          std::printf("| %s | %lld | error: %s |\n", name, static_cast<long long>(o.gemmN), message.c_str());
        }
        std::fflush(stdout);
      }
    }

    std::printf("\n");
    for (const auto& row : rows) std::printf("%s\n", jsonLine(row).c_str());
    for (const auto& line : gemmLines) std::printf("%s\n", line.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "device_throughput: %s\n", e.what());
    return 2;
  }
}
