// Experiment behind docs/ARCHITECTURE.md, *Benchmarks*, "Large systems on
// the CPU": fixed-step RK4 on Lorenz-96 (40 states, 4096 systems, 1000 steps
// of 1e-3, one thread) with one generic right-hand side instantiated on
// (a) double, one system at a time, and (b) a 4-wide GCC vector pack, four
// systems per pack in [state][pack] storage, the loops over states kept as
// loops. It answers two questions for KoBIE's planned pack form: does it
// compile fast (no unrolling of 40-state bodies), and does it run at the
// speed of the hand-written vectorised loop. Not part of the build:
//
//   g++ -O3 -march=native -std=c++17 docs/experiments/lorenz96_pack_rk4.cpp -o /tmp/pack
//   /tmp/pack
#include <chrono>
#include <cstdio>
#include <vector>
constexpr int N = 40;
typedef double pack __attribute__((vector_size(32)));
struct L96 {
  template <class Y, class P, class DY>
  inline void rhs(const Y& y, const P& p, DY& dy) const {
    for (int i = 0; i < N; ++i) {
      const int ip1 = i + 1 < N ? i + 1 : i + 1 - N;
      const int im1 = i >= 1 ? i - 1 : i - 1 + N;
      const int im2 = i >= 2 ? i - 2 : i - 2 + N;
      dy[i] = (y[ip1] - y[im2]) * y[im1] - y[i] + p[0];
    }
  }
};
template <class T>
__attribute__((noinline)) void rk4(T* y, const T* p, int steps, double h) {
  T k1[N], k2[N], k3[N], k4[N], ys[N];
  const L96 f;
  for (int s = 0; s < steps; ++s) {
    f.rhs(y, p, k1);
    for (int i = 0; i < N; ++i) ys[i] = y[i] + (0.5 * h) * k1[i];
    f.rhs(ys, p, k2);
    for (int i = 0; i < N; ++i) ys[i] = y[i] + (0.5 * h) * k2[i];
    f.rhs(ys, p, k3);
    for (int i = 0; i < N; ++i) ys[i] = y[i] + h * k3[i];
    f.rhs(ys, p, k4);
    for (int i = 0; i < N; ++i) y[i] = y[i] + (h / 6) * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
  }
}
int main() {
  const int systems = 4096, steps = 1000;
  const double h = 1e-3;
  std::vector<double> ys(std::size_t(systems) * N), ps(systems);
  for (int s = 0; s < systems; ++s) {
    for (int i = 0; i < N; ++i) ys[std::size_t(s) * N + i] = 8.0 + (i == 0 ? 0.01 : 0.0);
    ps[s] = 6.0 + 4.0 * s / (systems - 1);
  }
  std::vector<double> a = ys;
  auto t0 = std::chrono::steady_clock::now();
  for (int s = 0; s < systems; ++s) rk4<double>(&a[std::size_t(s) * N], &ps[s], steps, h);
  auto t1 = std::chrono::steady_clock::now();
  std::vector<pack> b(std::size_t(systems / 4) * N);
  std::vector<pack> pp(systems / 4);
  for (int g = 0; g < systems / 4; ++g)
    for (int w = 0; w < 4; ++w) {
      for (int i = 0; i < N; ++i) b[std::size_t(g) * N + i][w] = ys[std::size_t(4 * g + w) * N + i];
      pp[g][w] = ps[4 * g + w];
    }
  auto t2 = std::chrono::steady_clock::now();
  for (int g = 0; g < systems / 4; ++g) rk4<pack>(&b[std::size_t(g) * N], &pp[g], steps, h);
  auto t3 = std::chrono::steady_clock::now();
  double maxdiff = 0;
  for (int g = 0; g < systems / 4; ++g)
    for (int w = 0; w < 4; ++w)
      for (int i = 0; i < N; ++i) {
        double d = b[std::size_t(g) * N + i][w] - a[std::size_t(4 * g + w) * N + i];
        d = d < 0 ? -d : d;
        maxdiff = d > maxdiff ? d : maxdiff;
      }
  std::printf("scalar %.1f ms, pack %.1f ms, ratio %.2f, max diff %.3g\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t3 - t2).count(),
              std::chrono::duration<double>(t1 - t0).count() /
                  std::chrono::duration<double>(t3 - t2).count(),
              maxdiff);
}
