// Optimizer updates and learning-rate schedules against values computed by hand.
#include <doctest/doctest.h>

#include "kernels/optimizer.h"

using namespace dtsim::kernels;

namespace {
Vec<double> scalar(double v) { return Vec<double>::Constant(1, v); }
}  // namespace

TEST_CASE("kernels: learning-rate schedules") {
  OptimizerSpec s;
  s.lr = 0.4;
  s.warmup_steps = 4;
  CHECK(learning_rate(s, 0, 1) == doctest::Approx(0.1));
  CHECK(learning_rate(s, 1, 1) == doctest::Approx(0.2));
  CHECK(learning_rate(s, 3, 1) == doctest::Approx(0.4));
  CHECK(learning_rate(s, 100, 1) == doctest::Approx(0.4));

  s.schedule = ScheduleKind::step;
  s.step_size = 10;
  s.gamma = 0.1;
  CHECK(learning_rate(s, 9, 1) == doctest::Approx(0.4));
  CHECK(learning_rate(s, 10, 1) == doctest::Approx(0.04));
  CHECK(learning_rate(s, 25, 1) == doctest::Approx(0.004));

  OptimizerSpec c;
  c.lr = 1.0;
  c.schedule = ScheduleKind::cosine;
  c.total_steps = 10;
  c.min_lr = 0.0;
  CHECK(learning_rate(c, 0, 1) == doctest::Approx(1.0));
  CHECK(learning_rate(c, 5, 1) == doctest::Approx(0.5));
  CHECK(learning_rate(c, 10, 1) == doctest::Approx(0.0));
  CHECK(learning_rate(c, 50, 1) == doctest::Approx(0.0));
  c.warmup_steps = 2;  // cosine then spans steps 2..10: halfway at 6
  c.min_lr = 0.2;
  CHECK(learning_rate(c, 6, 1) == doctest::Approx(0.6));

  OptimizerSpec l;
  l.lr = 0.1;
  l.linear_scaling = true;
  l.base_batch = 256;
  CHECK(learning_rate(l, 0, 1024) == doctest::Approx(0.4));
  l.linear_scaling = false;
  CHECK(learning_rate(l, 0, 1024) == doctest::Approx(0.1));
}

TEST_CASE("kernels: SGD, heavy-ball and Nesterov updates") {
  OptimizerSpec s;
  s.lr = 0.1;
  s.weight_decay = 0.1;
  Vec<double> x = scalar(1.0);
  OptimizerT<double> sgd(s, 1, 1);
  sgd.step(x, scalar(0.5));
  CHECK(x(0) == doctest::Approx(1.0 - 0.1 * (0.5 + 0.1 * 1.0)));  // 0.94
  CHECK(sgd.steps_taken() == 1);

  s.weight_decay = 0;
  s.momentum = 0.9;
  s.kind = OptimizerKind::momentum;
  OptimizerT<double> hb(s, 1, 1);
  x = scalar(0.0);
  hb.step(x, scalar(1.0));  // v = 1, x = -0.1
  hb.step(x, scalar(1.0));  // v = 1.9, x = -0.29
  CHECK(x(0) == doctest::Approx(-0.29));
  CHECK(hb.velocity()(0) == doctest::Approx(1.9));

  s.kind = OptimizerKind::nesterov;
  OptimizerT<double> nag(s, 1, 1);
  x = scalar(0.0);
  nag.step(x, scalar(1.0));  // v = 1, x = -0.1 (1 + 0.9) = -0.19
  CHECK(x(0) == doctest::Approx(-0.19));
  nag.step(x, scalar(1.0));  // v = 1.9, x = -0.19 - 0.1 (1 + 1.71) = -0.461
  CHECK(x(0) == doctest::Approx(-0.461));
}

TEST_CASE("kernels: optimizer follows its schedule step by step") {
  OptimizerSpec s;
  s.lr = 1.0;
  s.warmup_steps = 2;
  OptimizerT<double> opt(s, 1, 1);
  Vec<double> x = scalar(0.0);
  opt.step(x, scalar(1.0));  // lr 0.5
  opt.step(x, scalar(1.0));  // lr 1.0
  CHECK(x(0) == doctest::Approx(-1.5));
  CHECK(opt.current_lr() == doctest::Approx(1.0));
}
