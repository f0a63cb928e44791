// CUDA backend (the module libdtsim_cuda.so, loaded on demand) against the CPU reference on the same
// batch; the comparison is reported as skipped (with the reason) without a GPU.
#include <doctest/doctest.h>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/model_factory.h"
#include "test_helpers.h"
#include "tests/support/test_support.h"

using namespace dtsim::kernels;
using dtsim::kernels::testing::random_classification;
using dtsim::kernels::testing::rel_diff;

TEST_CASE("kernels: device status is reported without throwing") {
  const auto status = cuda::device_status();
  INFO("CUDA: ", status.message);
#ifdef DTSIM_HAVE_CUDA
  // This build made the module and put it next to the test binary: it must load, GPU or not.
  CHECK(status.loaded);
#else
  CHECK_FALSE(status.loaded);
  CHECK(status.message.find("libdtsim_cuda.so was not found") != std::string::npos);
#endif
  CHECK_FALSE(status.message.empty());
  MESSAGE("CUDA: ", status.message);
}

TEST_CASE("kernels: CUDA gradients match the CPU") {
  const auto status = cuda::device_status();
  if (!status.usable()) {
    dtsim::test::skip_test("no usable GPU (" + status.message + ")");
    return;
  }
  ModelSpec spec;
  spec.kind = ModelKind::mlp;
  spec.hidden = {64, 32};
  const Dataset data = random_classification(4 * 16, 50, 10, 5);
  auto model = make_model<float>(spec, data.dim(), data.num_classes);
  const Batch<float> batch = whole<float>(data);
  cuda::DenseNetworkGpu gpu(model->layout());
  std::vector<Vector> params;
  for (int g = 0; g < 4; ++g) params.push_back(model->init_params(10 + g));
  for (bool shared : {true, false}) {
    INFO("shared parameters: ", shared);
    std::vector<const float*> p;
    std::vector<Vector> gpu_grads(4, Vector(model->num_params()));
    std::vector<float*> g;
    for (int i = 0; i < 4; ++i) {
      p.push_back(params[shared ? 0 : i].data());
      g.push_back(gpu_grads[i].data());
    }
    float gpu_loss[4];
    gpu.grouped_loss_and_gradients(p.data(), shared, 4, 16, batch.x.data(), batch.labels.data(), nullptr, g.data(),
                                   gpu_loss);
    for (int i = 0; i < 4; ++i) {
      std::vector<Index> cols;
      for (Index j = 16 * i; j < 16 * (i + 1); ++j) cols.push_back(j);
      Vector cpu(model->num_params());
      const float loss = model->loss_and_gradient(params[shared ? 0 : i], gather<float>(data, cols), cpu);
      CHECK(gpu_loss[i] == doctest::Approx(loss).epsilon(1e-4));
      CHECK(rel_diff(gpu_grads[i], cpu) <= 1e-4);
    }
  }
}
