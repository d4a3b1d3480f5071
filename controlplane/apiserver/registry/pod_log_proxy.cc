#include "controlplane/apiserver/registry/pod_log_proxy.h"

#include <memory>
#include <thread>

#include "common/client/canceller.h"
#include "common/client/http_client.h"

namespace orch::apiserver {

namespace {

// The query parameters the kubelet's containerLogs understands (PodLogOptions).
const char* const kForwarded[] = {"follow",     "previous",  "sinceSeconds", "sinceTime",
                                  "timestamps", "tailLines", "limitBytes"};

std::vector<std::string> containerNames(const api::Json& pod, const char* field) {
  std::vector<std::string> out;
  const auto& spec = pod.value("spec", api::Json::object());
  if (spec.contains(field) && spec[field].is_array())
    for (const auto& c : spec[field]) out.push_back(c.value("name", ""));
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

}  // namespace

ApiResult<std::string> logContainerOf(const api::Json& pod, const std::string& requested) {
  std::string name = pod.value("metadata", api::Json::object()).value("name", "");
  auto containers = containerNames(pod, "containers");
  auto init = containerNames(pod, "initContainers");
  auto ephemeral = containerNames(pod, "ephemeralContainers");
  if (requested.empty()) {
    if (containers.size() == 1) return containers.front();
    std::string msg = "a container name must be specified for pod " + name + ", choose one of: [" +
                      joined(containers) + "]";
    if (!init.empty()) msg += " or one of the init containers: [" + joined(init) + "]";
    return badRequestError(msg);
  }
  for (const auto* list : {&containers, &init, &ephemeral})
    for (const auto& c : *list)
      if (c == requested) return requested;
  return badRequestError("container " + requested + " is not valid for pod " + name);
}

ApiResult<std::string> kubeletUrlOf(const api::Json& node) {
  const auto& status = node.value("status", api::Json::object());
  int port = 10250;
  if (status.contains("daemonEndpoints")) {
    const auto& ep = status["daemonEndpoints"].value("kubeletEndpoint", api::Json::object());
    port = ep.value("Port", port);
  }
  std::string address;
  for (const char* wanted : {"InternalIP", "ExternalIP", "Hostname"}) {
    for (const auto& a : status.value("addresses", api::Json::array()))
      if (a.value("type", "") == wanted && address.empty()) address = a.value("address", "");
    if (!address.empty()) break;
  }
  if (address.empty())
    return badRequestError("node " + node["metadata"].value("name", "") + " has no address");
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  return "https://" + address + ":" + std::to_string(port);
}

Reply servePodLog(Registry& registry, ResourceStorage& pods, const ResourceRequest& rr,
                  const Request& req) {
  if (req.method != "GET") return toResponse(methodNotSupportedError(pods.info(), req.method));
  auto pod = pods.get(rr.ns, rr.name);
  if (!pod.ok()) return toResponse(pod.error());
  auto container = logContainerOf(*pod, req.queryParam("container").value_or(""));
  if (!container.ok()) return toResponse(container.error());
  std::string node_name = (*pod)["spec"].value("nodeName", "");
  if (node_name.empty())
    return toResponse(badRequestError("pod " + rr.name + " does not have a host assigned"));
  ResourceStorage* nodes = registry.storage("", "nodes");
  if (nodes == nullptr) return errorResponse(500, "InternalError", "nodes are not served");
  auto node = nodes->get("", node_name);
  if (!node.ok()) return toResponse(node.error());
  auto url = kubeletUrlOf(*node);
  if (!url.ok()) return toResponse(url.error());

  client::RestConfig cfg;
  cfg.server = *url;
  cfg.insecureSkipTlsVerify = true;
  auto http = client::HttpClient::create(cfg);
  if (!http.ok()) return errorResponse(500, "InternalError", http.status().context());
  std::string target = "/containerLogs/" + rr.ns + "/" + rr.name + "/" + *container;
  char sep = '?';
  for (const char* key : kForwarded) {
    if (auto v = req.queryParam(key)) {
      target += sep + std::string(key) + "=" + *v;
      sep = '&';
    }
  }
  bool follow = req.queryParam("follow").value_or("") == "true";
  if (!follow) {
    auto res = (*http)->request(client::HttpRequest{.target = target});
    if (!res.ok())
      return errorResponse(500, "InternalError",
                           "get logs from node " + node_name + ": " + res.status().message());
    if (res->status != 200) return errorResponse(res->status, "BadRequest", res->body);
    return textResponse(200, std::move(res->body));
  }
  // Following: a producer thread relays the agent's stream until either side ends it.
  std::shared_ptr<client::HttpClient> shared(std::move(*http));
  StreamResponse stream;
  stream.content_type = "text/plain";
  stream.start = [shared, target](std::shared_ptr<StreamSink> sink) {
    auto cancel = std::make_shared<client::Canceller>();
    sink->onClose([cancel] { cancel->cancel(); });
    std::thread([shared, target, sink, cancel] {
      client::HttpRequest r{.target = target, .timeout = std::chrono::milliseconds(0)};
      auto res = shared->stream(
          r, [&](std::string_view data) { return sink->write(std::string(data)); }, cancel.get());
      if (res.ok() && res->status != 200) sink->write(res->body);
      sink->end();
    }).detach();
  };
  return stream;
}

}  // namespace orch::apiserver
