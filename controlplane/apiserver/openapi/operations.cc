#include "controlplane/apiserver/openapi/operations.h"

#include <cctype>

namespace orch::apiserver::openapi {

namespace {

struct Context {
  const ResourceInfo& r;
  const KindSchema& k;
  std::string ident;   // "CoreV1"
  std::string prefix;  // "/api/v1"
};

Param query(std::string name, std::string type, std::string description) {
  return Param{std::move(name), "query", std::move(type), std::move(description), false};
}

// The query parameters, described as upstream describes them (shortened).
Param pPretty() {
  return query("pretty", "string",
               "If 'true', then the output is pretty printed. Defaults to 'false' unless the "
               "user-agent indicates a browser or command-line HTTP tool (curl and wget).");
}
Param pDryRun() {
  return query("dryRun", "string",
               "When present, indicates that modifications should not be persisted. Valid "
               "values are: - All: all dry run stages will be processed");
}
Param pFieldManager() {
  return query("fieldManager", "string",
               "fieldManager is a name associated with the actor or entity that is making these "
               "changes.");
}
Param pFieldValidation() {
  return query("fieldValidation", "string",
               "fieldValidation instructs the server on how to handle objects in the request "
               "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - "
               "Ignore: This will ignore any unknown fields that are silently dropped from the "
               "object, and will ignore all but the last duplicate field that the decoder "
               "encounters. - Warn: This will send a warning via the standard warning response "
               "header for each unknown field that is dropped from the object, and for each "
               "duplicate field that is encountered. - Strict: This will fail the request with "
               "a BadRequest error if any unknown fields would be dropped from the object, or "
               "if any duplicate fields are present. The error returned from the server will "
               "contain all unknown and duplicate fields encountered.");
}
Param pForce() {
  return query("force", "boolean",
               "Force is going to \"force\" Apply requests. It means user will re-acquire "
               "conflicting fields owned by other people.");
}
std::vector<Param> listParams() {
  return {
      query("allowWatchBookmarks", "boolean",
            "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
      query("continue", "string",
            "The continue option should be set when retrieving more results from the server."),
      query("fieldSelector", "string",
            "A selector to restrict the list of returned objects by their fields. Defaults to "
            "everything."),
      query("labelSelector", "string",
            "A selector to restrict the list of returned objects by their labels. Defaults to "
            "everything."),
      query("limit", "integer",
            "limit is a maximum number of responses to return for a list call."),
      query("resourceVersion", "string",
            "resourceVersion sets a constraint on what resource versions a request may be "
            "served from."),
      query("resourceVersionMatch", "string",
            "resourceVersionMatch determines how resourceVersion is applied to list calls."),
      query("sendInitialEvents", "boolean",
            "`sendInitialEvents=true` may be set together with `watch=true`."),
      query("timeoutSeconds", "integer",
            "Timeout for the list/watch call. This limits the duration of the call, regardless "
            "of any activity or inactivity."),
      query("watch", "boolean",
            "Watch for changes to the described resources and return them as a stream of add, "
            "update, and remove notifications. Specify resourceVersion."),
  };
}
std::vector<Param> deleteParams() {
  return {pDryRun(),
          query("gracePeriodSeconds", "integer",
                "The duration in seconds before the object should be deleted."),
          query("orphanDependents", "boolean",
                "Deprecated: please use the PropagationPolicy, this field will be deprecated in "
                "1.7."),
          query("propagationPolicy", "string",
                "Whether and how garbage collection will be performed. Acceptable values are: "
                "'Orphan', 'Background', 'Foreground'.")};
}
std::vector<Param> writeParams(bool patch) {
  std::vector<Param> p = {pDryRun(), pFieldManager(), pFieldValidation()};
  if (patch) p.push_back(pForce());
  return p;
}
Param pathParam(std::string name, std::string description) {
  return Param{std::move(name), "path", "string", std::move(description), true};
}

std::string capitalize(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

std::string groupIdent(const std::string& group) {
  if (group.empty()) return "core";
  std::string g = group;
  const std::string suffix = ".k8s.io";
  if (g.size() > suffix.size() && g.compare(g.size() - suffix.size(), suffix.size(), suffix) == 0)
    g.resize(g.size() - suffix.size());
  std::string out;
  bool upper = false;
  for (char c : g) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string urlPrefix(const GroupVersion& gv) {
  return gv.group.empty() ? "/api/" + gv.version : "/apis/" + gv.group + "/" + gv.version;
}

namespace {

bool hasVerb(const ResourceInfo& r, const std::string& verb) {
  for (const std::string& v : r.verbs) {
    if (v == verb) return true;
  }
  return false;
}

// The paths and operations of one resource, as kube-apiserver's installer lays them out.
void resourcePaths(const Context& c, std::vector<PathItem>& out) {
  const ResourceInfo& r = c.r;
  const std::string& kind = r.kind;
  const std::string scope = r.namespaced ? "Namespaced" : "";
  const std::string base = c.prefix + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
  std::vector<Param> shared;
  if (r.namespaced) {
    shared.push_back(
        pathParam("namespace", "object name and auth scope, such as for teams and projects"));
  }
  std::vector<Param> named = shared;
  named.insert(named.begin(), pathParam("name", "name of the " + kind));

  PathItem collection{base, shared, {}, &r};
  collection.params.push_back(pPretty());
  if (hasVerb(r, "list")) {
    collection.ops.push_back({"get",
                              "list" + c.ident + scope + kind,
                              "list or watch objects of kind " + kind,
                              "list",
                              listParams(),
                              "",
                              false,
                              false,
                              false,
                              {{200, c.k.list_definition}}});
  }
  if (hasVerb(r, "create")) {
    collection.ops.push_back(
        {"post",
         "create" + c.ident + scope + kind,
         "create a " + kind,
         "post",
         writeParams(false),
         c.k.definition,
         true,
         false,
         false,
         {{200, c.k.definition}, {201, c.k.definition}, {202, c.k.definition}}});
  }
  if (hasVerb(r, "deletecollection")) {
    std::vector<Param> p = listParams();
    for (Param& d : deleteParams()) p.push_back(std::move(d));
    collection.ops.push_back({"delete",
                              "delete" + c.ident + "Collection" + scope + kind,
                              "delete collection of " + kind,
                              "deletecollection",
                              p,
                              "",
                              false,
                              false,
                              false,
                              {{200, ""}}});
  }
  if (!collection.ops.empty()) out.push_back(std::move(collection));

  PathItem item{base + "/{name}", named, {}, &r};
  item.params.push_back(pPretty());
  if (hasVerb(r, "get")) {
    item.ops.push_back({"get",
                        "read" + c.ident + scope + kind,
                        "read the specified " + kind,
                        "get",
                        {},
                        "",
                        false,
                        false,
                        false,
                        {{200, c.k.definition}}});
  }
  if (hasVerb(r, "update")) {
    item.ops.push_back({"put",
                        "replace" + c.ident + scope + kind,
                        "replace the specified " + kind,
                        "put",
                        writeParams(false),
                        c.k.definition,
                        true,
                        false,
                        false,
                        {{200, c.k.definition}, {201, c.k.definition}}});
  }
  if (hasVerb(r, "delete")) {
    item.ops.push_back({"delete",
                        "delete" + c.ident + scope + kind,
                        "delete a " + kind,
                        "delete",
                        deleteParams(),
                        "",
                        false,
                        false,
                        false,
                        {{200, ""}, {202, ""}}});
  }
  if (hasVerb(r, "patch")) {
    item.ops.push_back({"patch",
                        "patch" + c.ident + scope + kind,
                        "partially update the specified " + kind,
                        "patch",
                        writeParams(true),
                        "",
                        true,
                        true,
                        false,
                        {{200, c.k.definition}, {201, c.k.definition}}});
  }
  if (!item.ops.empty()) out.push_back(std::move(item));

  for (const SubresourceInfo& s : r.subresources) {
    if (s.name != "status") continue;  // the other subresources take kinds orch does not model
    PathItem sub{base + "/{name}/status", named, {}, &r};
    sub.params.push_back(pPretty());
    const std::string id = c.ident + scope + kind + "Status";
    sub.ops.push_back({"get",
                       "read" + id,
                       "read status of the specified " + kind,
                       "get",
                       {},
                       "",
                       false,
                       false,
                       false,
                       {{200, c.k.definition}}});
    sub.ops.push_back({"put",
                       "replace" + id,
                       "replace status of the specified " + kind,
                       "put",
                       writeParams(false),
                       c.k.definition,
                       true,
                       false,
                       false,
                       {{200, c.k.definition}, {201, c.k.definition}}});
    sub.ops.push_back({"patch",
                       "patch" + id,
                       "partially update status of the specified " + kind,
                       "patch",
                       writeParams(true),
                       "",
                       true,
                       true,
                       false,
                       {{200, c.k.definition}, {201, c.k.definition}}});
    out.push_back(std::move(sub));
  }

  if (hasVerb(r, "watch")) {
    std::vector<Param> wp = listParams();
    wp.push_back(pPretty());
    const std::string wbase =
        c.prefix + "/watch" + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
    PathItem wl{wbase, shared, {}, &r};
    for (const Param& p : wp) wl.params.push_back(p);
    wl.ops.push_back({"get",
                      "watch" + c.ident + scope + kind + "List",
                      "watch individual changes to a list of " + kind +
                          ". deprecated: use the 'watch' parameter with a list operation instead.",
                      "watchlist",
                      {},
                      "",
                      false,
                      false,
                      true,
                      {{200, "watch"}}});
    out.push_back(std::move(wl));
    PathItem w{wbase + "/{name}", named, {}, &r};
    for (const Param& p : wp) w.params.push_back(p);
    w.ops.push_back({"get",
                     "watch" + c.ident + scope + kind,
                     "watch changes to an object of kind " + kind +
                         ". deprecated: use the 'watch' parameter with a list operation instead, "
                         "filtered to a single item with the 'fieldSelector' parameter.",
                     "watch",
                     {},
                     "",
                     false,
                     false,
                     true,
                     {{200, "watch"}}});
    out.push_back(std::move(w));
  }
  if (r.namespaced && hasVerb(r, "list")) {
    PathItem all{c.prefix + "/" + r.plural, {}, {}, &r};
    for (const Param& p : listParams()) all.params.push_back(p);
    all.params.push_back(pPretty());
    all.ops.push_back({"get",
                       "list" + c.ident + kind + "ForAllNamespaces",
                       "list or watch objects of kind " + kind,
                       "list",
                       {},
                       "",
                       false,
                       false,
                       false,
                       {{200, c.k.list_definition}}});
    out.push_back(std::move(all));
  }
}

}  // namespace

std::vector<PathItem> groupVersionPaths(const Definitions& defs, const GroupVersion& gv) {
  std::vector<PathItem> out;
  const std::string ident = groupIdent(gv.group);
  for (const ResourceInfo* r : resourcesOf(gv.group, gv.version)) {
    const KindSchema* k = defs.findKind(r->group, r->version, r->kind);
    if (k == nullptr) continue;  // a kind orch::api does not model: no schema to publish
    Context c{*r, *k, capitalize(ident) + capitalize(gv.version), urlPrefix(gv)};
    resourcePaths(c, out);
  }
  return out;
}

}  // namespace orch::apiserver::openapi
