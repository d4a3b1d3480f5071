#include "controlplane/apiserver/registry/table_convert.h"

#include <chrono>
#include <functional>
#include <map>

#include "common/api/time.h"
#include "controlplane/apiserver/registry/body_codec.h"

namespace orch::apiserver {

namespace {

using api::Json;

struct Column {
  const char* name;
  const char* type;  // "string", "integer"
  int priority;      // 1 = -o wide only
  const char* format = "";
};

using RowFn = std::function<Json(const Json& obj)>;

struct KindTable {
  std::vector<Column> columns;
  RowFn row;
};

const Json& field(const Json& obj, std::initializer_list<const char*> path) {
  static const Json null;
  const Json* cur = &obj;
  for (const char* p : path) {
    if (!cur->is_object()) return null;
    auto it = cur->find(p);
    if (it == cur->end()) return null;
    cur = &*it;
  }
  return *cur;
}

std::string str(const Json& j, const std::string& fallback = "") {
  return j.is_string() ? j.get<std::string>() : fallback;
}
int64_t num(const Json& j) {
  return j.is_number_integer() ? j.get<int64_t>() : 0;
}

std::string name(const Json& obj) {
  return str(field(obj, {"metadata", "name"}));
}
std::string age(const Json& obj) {
  return ageOf(str(field(obj, {"metadata", "creationTimestamp"})));
}

std::string joinStrings(const std::vector<std::string>& v, const char* sep = ",") {
  std::string s;
  for (const std::string& e : v) s += (s.empty() ? "" : sep) + e;
  return s;
}

std::string selectorString(const Json& sel) {
  if (!sel.is_object() || sel.empty()) return "<none>";
  std::vector<std::string> parts;
  for (const auto& [k, v] : sel.items()) parts.push_back(k + "=" + str(v));
  return joinStrings(parts);
}

// printPod: the STATUS column and the READY / RESTARTS counts.
Json podRow(const Json& pod) {
  const Json& status = field(pod, {"status"});
  const Json& spec = field(pod, {"spec"});
  int total = spec.contains("containers") ? static_cast<int>(spec["containers"].size()) : 0;
  int ready = 0;
  int64_t restarts = 0;
  std::string reason = str(field(status, {"phase"}), "Unknown");
  if (!str(field(status, {"reason"})).empty()) reason = str(status["reason"]);

  bool initializing = false;
  const Json& inits = field(status, {"initContainerStatuses"});
  if (inits.is_array()) {
    int n = static_cast<int>(inits.size());
    for (int i = 0; i < n; ++i) {
      const Json& c = inits[i];
      restarts += num(c.value("restartCount", Json()));
      const Json& term = field(c, {"state", "terminated"});
      const Json& wait = field(c, {"state", "waiting"});
      if (term.is_object() && num(term.value("exitCode", Json())) == 0) continue;
      if (field(c, {"started"}) == true && field(c, {"state", "running"}).is_object()) continue;
      initializing = true;
      if (term.is_object()) {
        std::string r = str(term.value("reason", Json()));
        if (r.empty())
          r = num(term.value("signal", Json())) != 0
                  ? "Signal:" + std::to_string(num(term["signal"]))
                  : "ExitCode:" + std::to_string(num(term.value("exitCode", Json())));
        reason = "Init:" + r;
      } else if (wait.is_object() && !str(wait.value("reason", Json())).empty() &&
                 str(wait["reason"]) != "PodInitializing") {
        reason = "Init:" + str(wait["reason"]);
      } else {
        reason = "Init:" + std::to_string(i) + "/" + std::to_string(n);
      }
      break;
    }
  }
  const Json& cs = field(status, {"containerStatuses"});
  if (cs.is_array()) {
    bool has_running = false;
    for (auto it = cs.rbegin(); it != cs.rend(); ++it) {
      const Json& c = *it;
      restarts += num(c.value("restartCount", Json()));
      if (initializing) continue;
      const Json& wait = field(c, {"state", "waiting"});
      const Json& term = field(c, {"state", "terminated"});
      if (wait.is_object() && !str(wait.value("reason", Json())).empty()) {
        reason = str(wait["reason"]);
      } else if (term.is_object()) {
        std::string r = str(term.value("reason", Json()));
        if (r.empty())
          r = num(term.value("signal", Json())) != 0
                  ? "Signal:" + std::to_string(num(term["signal"]))
                  : "ExitCode:" + std::to_string(num(term.value("exitCode", Json())));
        reason = r;
      } else if (field(c, {"ready"}) == true && field(c, {"state", "running"}).is_object()) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) reason = "Running";
  }
  if (!str(field(pod, {"metadata", "deletionTimestamp"})).empty()) reason = "Terminating";
  std::string nominated = str(field(status, {"nominatedNodeName"}), "<none>");
  std::string gates = "<none>";
  if (spec.contains("readinessGates") && spec["readinessGates"].is_array() &&
      !spec["readinessGates"].empty())
    gates = "0/" + std::to_string(spec["readinessGates"].size());
  return {name(pod),
          std::to_string(ready) + "/" + std::to_string(total),
          reason,
          restarts,
          age(pod),
          str(field(status, {"podIP"}), "<none>"),
          str(field(spec, {"nodeName"}), "<none>"),
          nominated,
          gates};
}

Json nodeRow(const Json& node) {
  std::string status = "Unknown";
  const Json& conds = field(node, {"status", "conditions"});
  if (conds.is_array())
    for (const Json& c : conds)
      if (str(c.value("type", Json())) == "Ready")
        status = str(c.value("status", Json())) == "True" ? "Ready" : "NotReady";
  if (field(node, {"spec", "unschedulable"}) == true) status += ",SchedulingDisabled";
  std::vector<std::string> roles;
  const Json& labels = field(node, {"metadata", "labels"});
  if (labels.is_object())
    for (const auto& [k, v] : labels.items())
      if (k.rfind("node-role.kubernetes.io/", 0) == 0) roles.push_back(k.substr(24));
  std::string internal = "<none>", external = "<none>";
  const Json& addrs = field(node, {"status", "addresses"});
  if (addrs.is_array())
    for (const Json& a : addrs) {
      if (str(a.value("type", Json())) == "InternalIP" && internal == "<none>")
        internal = str(a["address"]);
      if (str(a.value("type", Json())) == "ExternalIP" && external == "<none>")
        external = str(a["address"]);
    }
  const Json& info = field(node, {"status", "nodeInfo"});
  return {name(node),
          status,
          roles.empty() ? "<none>" : joinStrings(roles),
          age(node),
          str(field(info, {"kubeletVersion"})),
          internal,
          external,
          str(field(info, {"osImage"}), "<unknown>"),
          str(field(info, {"kernelVersion"}), "<unknown>"),
          str(field(info, {"containerRuntimeVersion"}), "<unknown>")};
}

Json serviceRow(const Json& svc) {
  const Json& spec = field(svc, {"spec"});
  std::string type = str(field(spec, {"type"}), "ClusterIP");
  std::vector<std::string> external;
  if (spec.contains("externalIPs") && spec["externalIPs"].is_array())
    for (const Json& ip : spec["externalIPs"]) external.push_back(str(ip));
  const Json& ingress = field(svc, {"status", "loadBalancer", "ingress"});
  if (ingress.is_array())
    for (const Json& i : ingress)
      external.push_back(str(i.value("ip", Json()), str(i.value("hostname", Json()))));
  std::string ext =
      external.empty() ? (type == "LoadBalancer" ? "<pending>" : "<none>") : joinStrings(external);
  if (type == "ExternalName") ext = str(field(spec, {"externalName"}));
  std::vector<std::string> ports;
  if (spec.contains("ports") && spec["ports"].is_array())
    for (const Json& p : spec["ports"]) {
      std::string s = std::to_string(num(p.value("port", Json())));
      if (num(p.value("nodePort", Json())) != 0) s += ":" + std::to_string(num(p["nodePort"]));
      ports.push_back(s + "/" + str(p.value("protocol", Json()), "TCP"));
    }
  return {name(svc),
          type,
          str(field(spec, {"clusterIP"}), "<none>"),
          ext,
          ports.empty() ? "<none>" : joinStrings(ports),
          age(svc),
          selectorString(field(spec, {"selector"}))};
}

std::string containerList(const Json& obj, const char* what) {
  std::vector<std::string> out;
  const Json& cs = field(obj, {"spec", "template", "spec", "containers"});
  if (cs.is_array())
    for (const Json& c : cs) out.push_back(str(c.value(what, Json())));
  return joinStrings(out);
}

std::string labelSelectorString(const Json& sel) {
  const Json& ml = field(sel, {"matchLabels"});
  return ml.is_object() ? selectorString(ml) : "<none>";
}

Json deploymentRow(const Json& d) {
  const Json& st = field(d, {"status"});
  return {name(d),
          std::to_string(num(field(st, {"readyReplicas"}))) + "/" +
              std::to_string(num(field(d, {"spec", "replicas"}))),
          num(field(st, {"updatedReplicas"})),
          num(field(st, {"availableReplicas"})),
          age(d),
          containerList(d, "name"),
          containerList(d, "image"),
          labelSelectorString(field(d, {"spec", "selector"}))};
}

Json replicaSetRow(const Json& rs) {
  const Json& st = field(rs, {"status"});
  return {name(rs),
          num(field(rs, {"spec", "replicas"})),
          num(field(st, {"replicas"})),
          num(field(st, {"readyReplicas"})),
          age(rs),
          containerList(rs, "name"),
          containerList(rs, "image"),
          labelSelectorString(field(rs, {"spec", "selector"}))};
}

Json daemonSetRow(const Json& ds) {
  const Json& st = field(ds, {"status"});
  return {name(ds),
          num(field(st, {"desiredNumberScheduled"})),
          num(field(st, {"currentNumberScheduled"})),
          num(field(st, {"numberReady"})),
          num(field(st, {"updatedNumberScheduled"})),
          num(field(st, {"numberAvailable"})),
          selectorString(field(ds, {"spec", "template", "spec", "nodeSelector"})),
          age(ds)};
}

int64_t countOf(const Json& obj, const char* a, const char* b = nullptr) {
  int64_t n = 0;
  for (const char* f : {a, b}) {
    if (f == nullptr) continue;
    const Json& m = field(obj, {f});
    if (m.is_object()) n += static_cast<int64_t>(m.size());
  }
  return n;
}

Json endpointsRow(const Json& ep) {
  std::vector<std::string> out;
  const Json& subsets = field(ep, {"subsets"});
  if (subsets.is_array())
    for (const Json& s : subsets) {
      const Json& ports = s.value("ports", Json::array());
      for (const Json& a : s.value("addresses", Json::array())) {
        if (ports.empty()) out.push_back(str(a.value("ip", Json())));
        for (const Json& p : ports)
          out.push_back(str(a.value("ip", Json())) + ":" +
                        std::to_string(num(p.value("port", Json()))));
      }
    }
  std::string text = out.empty() ? "<none>" : joinStrings(out);
  if (out.size() > 3)
    text =
        joinStrings({out[0], out[1], out[2]}) + " + " + std::to_string(out.size() - 3) + " more...";
  return {name(ep), text, age(ep)};
}

const std::map<std::string, KindTable>& tables() {
  static const std::map<std::string, KindTable> t = {
      {"Pod",
       {{{"Name", "string", 0, "name"},
         {"Ready", "string", 0},
         {"Status", "string", 0},
         {"Restarts", "string", 0},
         {"Age", "string", 0},
         {"IP", "string", 1},
         {"Node", "string", 1},
         {"Nominated Node", "string", 1},
         {"Readiness Gates", "string", 1}},
        podRow}},
      {"Node",
       {{{"Name", "string", 0, "name"},
         {"Status", "string", 0},
         {"Roles", "string", 0},
         {"Age", "string", 0},
         {"Version", "string", 0},
         {"Internal-IP", "string", 1},
         {"External-IP", "string", 1},
         {"OS-Image", "string", 1},
         {"Kernel-Version", "string", 1},
         {"Container-Runtime", "string", 1}},
        nodeRow}},
      {"Service",
       {{{"Name", "string", 0, "name"},
         {"Type", "string", 0},
         {"Cluster-IP", "string", 0},
         {"External-IP", "string", 0},
         {"Port(s)", "string", 0},
         {"Age", "string", 0},
         {"Selector", "string", 1}},
        serviceRow}},
      {"Namespace",
       {{{"Name", "string", 0, "name"}, {"Status", "string", 0}, {"Age", "string", 0}},
        [](const Json& o) {
          return Json{name(o), str(field(o, {"status", "phase"})), age(o)};
        }}},
      {"Deployment",
       {{{"Name", "string", 0, "name"},
         {"Ready", "string", 0},
         {"Up-to-date", "integer", 0},
         {"Available", "integer", 0},
         {"Age", "string", 0},
         {"Containers", "string", 1},
         {"Images", "string", 1},
         {"Selector", "string", 1}},
        deploymentRow}},
      {"ReplicaSet",
       {{{"Name", "string", 0, "name"},
         {"Desired", "integer", 0},
         {"Current", "integer", 0},
         {"Ready", "integer", 0},
         {"Age", "string", 0},
         {"Containers", "string", 1},
         {"Images", "string", 1},
         {"Selector", "string", 1}},
        replicaSetRow}},
      {"DaemonSet",
       {{{"Name", "string", 0, "name"},
         {"Desired", "integer", 0},
         {"Current", "integer", 0},
         {"Ready", "integer", 0},
         {"Up-to-date", "integer", 0},
         {"Available", "integer", 0},
         {"Node Selector", "string", 0},
         {"Age", "string", 0}},
        daemonSetRow}},
      {"ConfigMap",
       {{{"Name", "string", 0, "name"}, {"Data", "integer", 0}, {"Age", "string", 0}},
        [](const Json& o) {
          return Json{name(o), countOf(o, "data", "binaryData"), age(o)};
        }}},
      {"Secret",
       {{{"Name", "string", 0, "name"},
         {"Type", "string", 0},
         {"Data", "integer", 0},
         {"Age", "string", 0}},
        [](const Json& o) {
          return Json{name(o), str(field(o, {"type"})), countOf(o, "data"), age(o)};
        }}},
      {"Endpoints",
       {{{"Name", "string", 0, "name"}, {"Endpoints", "string", 0}, {"Age", "string", 0}},
        endpointsRow}},
  };
  return t;
}

const KindTable& defaultTable() {
  static const KindTable t{{{"Name", "string", 0, "name"}, {"Age", "string", 0}},
                           [](const Json& o) {
                             return Json{name(o), age(o)};
                           }};
  return t;
}

}  // namespace

bool wantsTable(const Request& req) {
  const std::string accept = req.header("accept");
  // The first acceptable type decides; kubectl lists the Table first.
  size_t comma = accept.find(',');
  std::string first = accept.substr(0, comma);
  return first.find("as=Table") != std::string::npos &&
         first.find("g=meta.k8s.io") != std::string::npos;
}

std::string ageOf(const std::string& rfc3339) {
  auto t = api::Time::parse(rfc3339);
  if (!t.ok() || rfc3339.empty()) return "<unknown>";
  auto d = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                            t->timePoint())
               .count();
  if (d < 0) d = 0;
  auto s = [](int64_t v, const char* u) { return std::to_string(v) + u; };
  if (d < 60 * 2) return s(d, "s");
  int64_t m = d / 60;
  if (m < 10) return d % 60 == 0 ? s(m, "m") : s(m, "m") + s(d % 60, "s");
  if (m < 60 * 3) return s(m, "m");
  int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? s(h, "h") : s(h, "h") + s(m % 60, "m");
  if (h < 48) return s(h, "h");
  if (h < 24 * 8) return h % 24 == 0 ? s(h / 24, "d") : s(h / 24, "d") + s(h % 24, "h");
  if (h < 24 * 365 * 2) return s(h / 24, "d");
  if (h < 24 * 365 * 8) return s(h / 24 / 365, "y") + s((h / 24) % 365, "d");
  return s(h / 24 / 365, "y");
}

Json toTable(const ResourceInfo& r, const std::vector<Json>& objects,
             const std::string& resource_version, const std::string& continue_token,
             const std::string& include_object) {
  auto it = tables().find(r.kind);
  const KindTable& t = it != tables().end() ? it->second : defaultTable();
  Json cols = Json::array();
  for (const Column& c : t.columns)
    cols.push_back({{"name", c.name},
                    {"type", c.type},
                    {"format", c.format},
                    {"description", ""},
                    {"priority", c.priority}});
  Json rows = Json::array();
  for (const Json& o : objects) {
    Json row = {{"cells", t.row(o)}};
    if (include_object == "Object") {
      row["object"] = o;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", o.value("metadata", Json::object())}};
    }
    rows.push_back(std::move(row));
  }
  Json meta = {{"resourceVersion", resource_version}};
  if (!continue_token.empty()) meta["continue"] = continue_token;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", cols},
          {"rows", rows}};
}

}  // namespace orch::apiserver
