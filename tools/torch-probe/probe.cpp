// Reports the LibTorch build's accelerators and exercises each one that is reported:
// a GEMM on CPU, a GEMM on every CUDA device (checked against the CPU result), and a one-rank
// NCCL all-reduce through c10d. Exit code 0 only if every reported path works.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#ifdef REN_HAVE_NCCL
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace {

double gemmGflops(const torch::Device& device, int n) {
  auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto c = torch::matmul(a, b);  // warm-up
  if (device.is_cuda()) torch::cuda::synchronize();
  const int reps = device.is_cuda() ? 20 : 3;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) c = torch::matmul(a, b);
  if (device.is_cuda()) torch::cuda::synchronize();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * n * n * static_cast<double>(n) * reps / s / 1e9;
}

}  // namespace

int main() {
  int failures = 0;
  std::cout << "libtorch " << TORCH_VERSION << "\n";
#ifdef REN_HAVE_CUDA
  std::cout << "cuda: built\n";
#else
  std::cout << "cuda: not built\n";
#endif
#ifdef REN_HAVE_NCCL
  std::cout << "nccl: built\n";
#else
  std::cout << "nccl: not built\n";
#endif
  std::cout << "cpu gemm 1024: " << gemmGflops(torch::kCPU, 1024) << " GFLOP/s (" << at::get_num_threads()
            << " threads)\n";

  const bool cuda = torch::cuda::is_available();
  std::cout << "cuda available: " << (cuda ? "yes" : "no") << ", devices: " << (cuda ? torch::cuda::device_count() : 0)
            << "\n";
#ifdef REN_HAVE_CUDA
  if (!cuda) {
    std::cout << "FAIL: LibTorch was built with CUDA but no device is usable\n";
    ++failures;
  }
#endif
  if (cuda) {
    for (std::size_t d = 0; d < torch::cuda::device_count(); ++d) {
      torch::Device dev(torch::kCUDA, static_cast<c10::DeviceIndex>(d));
      torch::manual_seed(1);
      auto a = torch::randn({256, 256}, torch::kFloat64);
      auto b = torch::randn({256, 256}, torch::kFloat64);
      const double err = (torch::matmul(a.to(dev), b.to(dev)).cpu() - torch::matmul(a, b)).abs().max().item<double>();
      std::cout << "cuda:" << d << " float64 gemm max |gpu - cpu| = " << err << "\n";
      if (!(err < 1e-9)) {
        std::cout << "FAIL: cuda:" << d << " GEMM disagrees with the CPU\n";
        ++failures;
      }
      std::cout << "cuda:" << d << " gemm 8192 fp32: " << gemmGflops(dev, 8192) << " GFLOP/s\n";
    }
  }
#ifdef REN_HAVE_NCCL
  if (cuda) {
    const auto storePath = std::filesystem::temp_directory_path() / ("torch_probe_store_" + std::to_string(::getpid()));
    auto store = c10::make_intrusive<c10d::FileStore>(storePath.string(), 1);
    auto options = c10d::ProcessGroupNCCL::Options::create();
    auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, 0, 1, options);
    std::vector<at::Tensor> tensors{torch::arange(8, torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCUDA))};
    group->allreduce(tensors)->wait();
    torch::cuda::synchronize();
    const double sum = tensors[0].sum().item<double>();
    std::cout << "nccl one-rank all-reduce: sum " << sum << " (expected 28)\n";
    if (sum != 28.0) {
      std::cout << "FAIL: NCCL all-reduce returned a wrong result\n";
      ++failures;
    }
    // Shut the group down before exit: otherwise NCCL's heartbeat monitor keeps the process alive
    // for minutes polling the removed store (seen with LibTorch 2.11).
#if TORCH_VERSION_MAJOR >= 2
    group->shutdown();
#endif
    group.reset();
    std::filesystem::remove(storePath);
  }
#endif
  std::cout << (failures == 0 ? "torch-probe: OK\n" : "torch-probe: FAILED\n");
  return failures == 0 ? 0 : 1;
}
