// Figures for the API codec and selectors:
//   build/bench/api/bench_api   (or `meson test --benchmark api`)
// Pod figures use tests/testdata/api/pod.json (a full kubectl-style Pod, ~13 KB).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/api/label_selector.h"
#include "common/api/types.h"

namespace orch::api {
namespace {

const std::string& podText() {
  static const std::string text = [] {
    std::ifstream in(std::string(ORCH_API_TESTDATA) + "/pod.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = detail::parseJsonText(ss.str());
    if (!j.ok()) {
      std::cerr << "cannot read pod.json: " << j.status().message() << "\n";
      std::abort();
    }
    return j->dump();  // compact, as on the wire
  }();
  return text;
}

const Json& podJson() {
  static const Json j = Json::parse(podText());
  return j;
}

void BM_ParseJsonTextOnly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Json::parse(podText()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(podText().size()));
}
BENCHMARK(BM_ParseJsonTextOnly);

void BM_DecodePodFromJson(benchmark::State& state) {
  for (auto _ : state) {
    auto p = decode<Pod>(podJson());
    if (!p.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(podText().size()));
}
BENCHMARK(BM_DecodePodFromJson);

void BM_ParsePodFromText(benchmark::State& state) {
  for (auto _ : state) {
    auto p = parse<Pod>(podText());
    if (!p.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(podText().size()));
}
BENCHMARK(BM_ParsePodFromText);

void BM_EncodePodToJson(benchmark::State& state) {
  Pod p = *decode<Pod>(podJson());
  for (auto _ : state) benchmark::DoNotOptimize(encode(p));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(podText().size()));
}
BENCHMARK(BM_EncodePodToJson);

void BM_SerializePodToText(benchmark::State& state) {
  Pod p = *decode<Pod>(podJson());
  for (auto _ : state) benchmark::DoNotOptimize(serialize(p));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(podText().size()));
}
BENCHMARK(BM_SerializePodToText);

Labels podLabels() {
  return {{"app", "web"},
          {"tier", "frontend"},
          {"env", "prod"},
          {"pod-template-hash", "7d4b9c8f6d"},
          {"app.kubernetes.io/name", "web"},
          {"app.kubernetes.io/part-of", "shop"},
          {"version", "1.4.2"},
          {"canary", "false"}};
}

void BM_SelectorMatchEquality(benchmark::State& state) {
  Selector s = *Selector::parse("app=web,tier=frontend");
  Labels l = podLabels();
  for (auto _ : state) benchmark::DoNotOptimize(s.matches(l));
}
BENCHMARK(BM_SelectorMatchEquality);

void BM_SelectorMatchAllOperators(benchmark::State& state) {
  Selector s = *Selector::parse(
      "app=web,env in (prod,staging),tier!=backend,version notin (1.0,1.1),"
      "app.kubernetes.io/name,!debug");
  Labels l = podLabels();
  for (auto _ : state) benchmark::DoNotOptimize(s.matches(l));
}
BENCHMARK(BM_SelectorMatchAllOperators);

void BM_SelectorParse(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Selector::parse("app=web,env in (prod,staging),tier!=backend,version notin (1.0,1.1),"
                        "app.kubernetes.io/name,!debug"));
  }
}
BENCHMARK(BM_SelectorParse);

void BM_QuantityParseFormat(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Quantity::parse("1.5Gi")->toString());
}
BENCHMARK(BM_QuantityParseFormat);

}  // namespace
}  // namespace orch::api

BENCHMARK_MAIN();
