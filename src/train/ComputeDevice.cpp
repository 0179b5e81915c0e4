#include "ren/train/ComputeDevice.h"

#include <ATen/autocast_mode.h>
#include <malloc.h>
#include <sys/resource.h>
#include <torch/torch.h>

#ifdef REN_HAVE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "ren/core/Error.h"

namespace ren::train {

c10::Device resolveDevice(const std::string& setting) {
  if (setting == "cpu") return c10::Device(c10::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (setting == "cuda" && !cuda)
    throw ConfigError("train.device = \"cuda\" but this LibTorch build has no CUDA or no GPU is visible; "
                      "use auto or cpu");
  if (setting != "auto" && setting != "cuda")
    throw ConfigError("train.device = \"" + setting + "\"; allowed values are auto, cpu, cuda");
  return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
}

AutocastGuard::AutocastGuard(bool enabled, const c10::Device& device)
    : enabled_(enabled), cuda_(device.is_cuda()), previous_(false) {
  if (!enabled_) return;
  if (cuda_) {
    previous_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    previous_ = at::autocast::is_cpu_enabled();
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_)
    at::autocast::set_enabled(previous_);
  else
    at::autocast::set_cpu_enabled(previous_);
}

void resetPeakMemory(const c10::Device& device) {
#ifdef REN_HAVE_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#else
  (void)device;
#endif
}

std::int64_t peakMemoryBytes(const c10::Device& device) {
#ifdef REN_HAVE_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    return stats.allocated_bytes[static_cast<std::size_t>(c10::cuda::CUDACachingAllocator::StatType::AGGREGATE)].peak;
  }
#else
  (void)device;
#endif
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

void keepFreedHostMemory() {
  static const bool done = [] {
    mallopt(M_MMAP_MAX, 0);                   // large blocks come from the heap, so they can be reused
    mallopt(M_TRIM_THRESHOLD, 1 << 30);       // and are not trimmed back to the kernel after every step
    return true;
  }();
  (void)done;
}

std::string describeDevice(const c10::Device& device) {
  if (!device.is_cuda()) return "cpu";
  return device.str();
}

}  // namespace ren::train
