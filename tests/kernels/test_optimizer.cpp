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

TEST_CASE("kernels: Adam's update against a hand computation") {
  // lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8, from x = 0 with gradients 1 then -2:
  //   t = 1: m = 0.1, v = 0.001, m^ = 1, v^ = 1, x = -0.1 / (1 + 1e-8) = -0.099999999
  //   t = 2: m = 0.09 - 0.2 = -0.11, v = 0.000999 + 0.004 = 0.004999,
  //          m^ = -0.11 / 0.19 = -0.578947368..., v^ = 0.004999 / 0.001999 = 2.500750375...,
  //          x = -0.099999999 + 0.1 x 0.578947368 / (1.581376... + 1e-8) = -0.0633896465...
  OptimizerSpec s;
  s.kind = OptimizerKind::adam;
  s.lr = 0.1;
  s.weight_decay = 0;
  OptimizerT<double> adam(s, 1, 1);
  Vec<double> x = scalar(0.0);
  adam.step(x, scalar(1.0));
  CHECK(x(0) == doctest::Approx(-0.099999999).epsilon(1e-12));
  CHECK(adam.velocity()(0) == doctest::Approx(0.1).epsilon(1e-12));
  CHECK(adam.second_moment()(0) == doctest::Approx(0.001).epsilon(1e-12));
  adam.step(x, scalar(-2.0));
  CHECK(adam.velocity()(0) == doctest::Approx(-0.11).epsilon(1e-12));
  CHECK(adam.second_moment()(0) == doctest::Approx(0.004999).epsilon(1e-12));
  CHECK(x(0) == doctest::Approx(-0.06338964652792518).epsilon(1e-12));
  // Weight decay joins the gradient: x = 2, g = 0.5 + 0.1 x 2 = 0.7; the first step moves by
  // lr g / (|g| + eps) = 0.1 / (1 + eps / 0.7): x = 1.9000000014285714.
  s.weight_decay = 0.1;
  OptimizerT<double> decayed(s, 1, 1);
  x = scalar(2.0);
  decayed.step(x, scalar(0.5));
  CHECK(x(0) == doctest::Approx(1.9000000014285714).epsilon(1e-14));
}
