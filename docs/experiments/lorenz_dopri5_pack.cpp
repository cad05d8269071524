// Experiment behind docs/ARCHITECTURE.md, *The integration loop* ("adaptive
// steps as SIMD packs"): how fast could adaptive Dormand-Prince 5(4) run on
// the Lorenz batch of bench/kobie_bench_lorenz (anchor A: rho = linspace(0,
// 21, 65536), t in [0, 1], u0 = (1, 0, 0), first step 1e-3) if each thread
// ran 4 float64 systems per AVX2 pack to completion, every lane with its own
// time and step, instead of KoBIE's passes over a team of lanes? The same
// step as KoBIE: FSAL tableau, RMS error norm with atol = rtol = tol and
// max(|y|, |y_new|), the PI controller (err^-0.7/5 err1^0.4/5, safety 0.9,
// gains in [0.2, 5], a rejected step never grows) through log2/exp2
// polynomials, the last step shortened to land on t_end (never shrinking the
// proposal). One generic code is instantiated on double (a system at a time)
// and on a pack of W float64 lanes (default 4: one AVX2 register); the two
// take the same steps, and with -ffp-contract=off give the same end states
// bit for bit (by default GCC fuses a*b+c differently in the two forms).
// Figures: bench/results/cpu-2core-epyc-avx2-1thread-dopri5-pack-prototype-
// 2026-11-24.txt. Not part of the build:
//
//   g++ -O3 -march=native -std=c++17 [-DW=8] docs/experiments/lorenz_dopri5_pack.cpp -o /tmp/dp
//   /tmp/dp 1e-6     # one thread, three rounds: ms for each form and the work
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#ifndef W
#define W 4
#endif
typedef double pack __attribute__((vector_size(8 * W)));
typedef std::int64_t mask4 __attribute__((vector_size(8 * W)));
typedef std::uint64_t bits4 __attribute__((vector_size(8 * W)));

// Per-type primitives: a scalar double and a pack of 4.
inline bool lt(double a, double b) {
  return __builtin_isless(a, b);
}
inline bool le(double a, double b) {
  return __builtin_islessequal(a, b);
}
inline double sel(bool m, double a, double b) {
  return m ? a : b;
}
inline double vmax(double a, double b) {
  return a > b ? a : b;
}
inline double vmin(double a, double b) {
  return a < b ? a : b;
}
inline double vabs(double a) {
  return std::fabs(a);
}
inline std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}
inline double from_bits(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, 8);
  return x;
}
inline bool any(bool m) {
  return m;
}

inline mask4 lt(pack a, pack b) {
  return a < b;
}
inline mask4 le(pack a, pack b) {
  return a <= b;
}
inline pack sel(mask4 m, pack a, pack b) {
  return m ? a : b;
}
inline pack vmax(pack a, pack b) {
  return a > b ? a : b;
}
inline pack vmin(pack a, pack b) {
  return a < b ? a : b;
}
inline pack vabs(pack a) {
  return (pack)((bits4)a & 0x7fffffffffffffffULL);
}
inline bits4 bits(pack x) {
  return (bits4)x;
}
inline pack from_bits(bits4 u) {
  return (pack)u;
}
inline bool any(mask4 m) {
  std::int64_t r = 0;
  for (int j = 0; j < W; ++j) r |= m[j];
  return r != 0;
}

// log2 and exp2 as KoBIE's Impl::log2_approx / exp2_approx compute them.
template <class T>
inline T log2_approx(T x) {
  const auto u = bits(x);
  T e = from_bits(0x4330000000000000ULL | ((u >> 52) & 0x7ff)) - 4503599627370496.0 - 1023.0;
  T m = from_bits((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const auto big = lt(T{} + 1.4142135623730951, m);
  m = sel(big, 0.5 * m, m);
  e = sel(big, e + 1.0, e);
  const T t = (m - 1.0) / (m + 1.0);
  const T t2 = t * t;
  const T s = t * (2.0 + t2 * (2.0 / 3 + t2 * (2.0 / 5 + t2 * (2.0 / 7 + t2 * (2.0 / 9)))));
  return e + s * 1.4426950408889634;
}
template <class T>
inline T exp2_approx(T y) {
  const T shifted = y + 6755399441055744.0;
  const T n = shifted - 6755399441055744.0;
  const auto k = (bits(shifted) & 0x000fffffffffffffULL) - (std::uint64_t(1) << 51);
  const T f = (y - n) * 0.6931471805599453;
  T p = T{} + 1.0 / 362880.0;
  p = p * f + 1.0 / 40320.0;
  p = p * f + 1.0 / 5040.0;
  p = p * f + 1.0 / 720.0;
  p = p * f + 1.0 / 120.0;
  p = p * f + 1.0 / 24.0;
  p = p * f + 1.0 / 6.0;
  p = p * f + 0.5;
  p = p * f + 1.0;
  p = p * f + 1.0;
  return from_bits(bits(p) + (k << 52));
}

template <class T>
inline void lorenz(const T* y, T rho, T* dy) {
  dy[0] = 10.0 * (y[1] - y[0]);
  dy[1] = y[0] * (rho - y[2]) - y[1];
  dy[2] = y[0] * y[1] - (8.0 / 3.0) * y[2];
}

struct Work {
  long attempts = 0;
};

// Integrates the lanes of y (3 values of T) over [0, t_end] at tolerance tol.
template <class T>
__attribute__((noinline)) long dopri5(T* y, T rho, double tol, double t_end) {
  constexpr double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45, a42 = -56.0 / 15,
                   a43 = 32.0 / 9, a51 = 19372.0 / 6561, a52 = -25360.0 / 2187,
                   a53 = 64448.0 / 6561, a54 = -212.0 / 729, a61 = 9017.0 / 3168, a62 = -355.0 / 33,
                   a63 = 46732.0 / 5247, a64 = 49.0 / 176, a65 = -5103.0 / 18656, b1 = 35.0 / 384,
                   b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84,
                   e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                   e6 = 22.0 / 525, e7 = -1.0 / 40;
  T t = T{} + 0.0, h = T{} + 1e-3, log2_e1 = T{} + 0.0;
  T k1[3], k2[3], k3[3], k4[3], k5[3], k6[3], k7[3], s[3], y5[3];
  lorenz(y, rho, k1);
  long attempts = 0;
  auto active = lt(t, T{} + t_end);
  while (any(active)) {
    ++attempts;
    const auto lands = le(T{} + t_end - t, h);  // the last step lands on t_end
    const T hs = sel(lands, T{} + t_end - t, h);
    for (int i = 0; i < 3; ++i) s[i] = y[i] + hs * (a21 * k1[i]);
    lorenz(s, rho, k2);
    for (int i = 0; i < 3; ++i) s[i] = y[i] + hs * (a31 * k1[i] + a32 * k2[i]);
    lorenz(s, rho, k3);
    for (int i = 0; i < 3; ++i) s[i] = y[i] + hs * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    lorenz(s, rho, k4);
    for (int i = 0; i < 3; ++i)
      s[i] = y[i] + hs * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    lorenz(s, rho, k5);
    for (int i = 0; i < 3; ++i)
      s[i] = y[i] + hs * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    lorenz(s, rho, k6);
    for (int i = 0; i < 3; ++i)
      y5[i] = y[i] + hs * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    lorenz(y5, rho, k7);
    T err_sq = T{} + 0.0;
    for (int i = 0; i < 3; ++i) {
      const T e =
          hs * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      const T sc = tol + tol * vmax(vabs(y[i]), vabs(y5[i]));
      err_sq += (e / sc) * (e / sc);
    }
    err_sq = err_sq * (1.0 / 3);
    const auto accept = le(err_sq, T{} + 1.0) & active;
    // PI controller: f = 0.9 err^-0.14 err1^0.08 in [0.2, 5]; not above 1 on rejection.
    const T log2_e2 = log2_approx(vmax(err_sq, T{} + 1e-20));
    T f = 0.9 * exp2_approx(-0.5 * 0.14 * log2_e2 + 0.5 * 0.08 * log2_e1);
    f = vmin(vmax(f, T{} + 0.2), T{} + 5.0);
    f = sel(accept, f, vmin(f, T{} + 1.0));
    const T h_next = vmin(h * f, T{} + t_end);  // dt_max: the save interval
    log2_e1 = sel(accept, log2_e2, log2_e1);
    for (int i = 0; i < 3; ++i) {
      y[i] = sel(accept, y5[i], y[i]);
      k1[i] = sel(accept, k7[i], k1[i]);
    }
    t = sel(accept, sel(lands, T{} + t_end, t + hs), t);
    h = sel(active, h_next, h);
    active = lt(t, T{} + t_end);
  }
  return attempts;
}

int main(int argc, char** argv) {
  const double tol = argc > 1 ? std::atof(argv[1]) : 1e-6;
  const long systems = 65536;
  std::vector<double> rho(systems);
  for (long i = 0; i < systems; ++i) rho[i] = 21.0 * double(i) / double(systems - 1);
  for (int round = 0; round < 3; ++round) {
    std::vector<double> a(3 * systems, 0.0);
    long attempts_a = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (long s = 0; s < systems; ++s) {
      a[3 * s] = 1.0;
      attempts_a += dopri5<double>(&a[3 * s], rho[s], tol, 1.0);
    }
    auto t1 = std::chrono::steady_clock::now();
    std::vector<pack> b(3 * (systems / W));
    long attempts_b = 0;
    for (long g = 0; g < systems / W; ++g) {
      b[3 * g] = pack{} + 1.0;
      b[3 * g + 1] = b[3 * g + 2] = pack{};
      pack r;
      for (int j = 0; j < W; ++j) r[j] = rho[W * g + j];
      attempts_b += dopri5<pack>(&b[3 * g], r, tol, 1.0);
    }
    auto t2 = std::chrono::steady_clock::now();
    long same = 0;
    for (long s = 0; s < systems; ++s)
      for (int i = 0; i < 3; ++i) same += a[3 * s + i] == b[3 * (s / W) + i][s % W];
    std::printf(
        "tol %.0e: scalar %.1f ms (%.1f attempts/system), pack of %d %.1f ms (%.1f pack "
        "attempts per %d systems), same bits %ld of %ld\n",
        tol, std::chrono::duration<double, std::milli>(t1 - t0).count(),
        double(attempts_a) / systems, W, std::chrono::duration<double, std::milli>(t2 - t1).count(),
        double(attempts_b) / (systems / W), W, same, 3 * systems);
  }
}
