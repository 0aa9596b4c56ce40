#!/usr/bin/env python3
# Writes docs/openapi.json and Sources/StewardServer/OpenAPIDocument.swift (the same document): edit the schemas
# here, run `python3 scripts/openapi.py` from the checkout, commit both.
import json
S = lambda t, **kw: dict(type=t, **kw)
date = {"type": "string", "format": "date-time"}
anything = {}
def obj(props, required):
    return {"type": "object", "properties": props, "required": required}
condition = obj({"type": S("string"), "status": S("string"), "reason": S("string"), "message": S("string"),
                 "lastTransitionTime": date}, ["type", "status", "reason", "message", "lastTransitionTime"])
project = obj({
    "name": S("string"), "repo": S("string"), "githubRepoID": S("integer"), "manifestPath": S("string"),
    "phase": S("string"), "resumePhase": S("string"), "failCount": S("integer"), "generation": S("integer"),
    "observedGeneration": S("integer"), "specHash": S("string"), "spec": S("object"),
    "conditions": {"type": "array", "items": {"$ref": "#/components/schemas/Condition"}},
    "server": S("string"), "port": S("integer"), "lastDeployInputHash": S("string"), "lastDeployCommit": S("string"),
    "lastDeployedAt": date, "orphaned": S("boolean"), "archived": S("boolean"), "updatedAt": date,
    "implementedChanges": {"type": "array", "items": S("string")}, "engineeringStatus": anything,
    "zavhozStatus": anything, "repoOrigin": anything, "proposal": anything,
}, ["name", "phase", "failCount", "generation", "observedGeneration", "conditions", "orphaned", "archived", "updatedAt",
    "implementedChanges"])
server = obj({
    "name": S("string"), "manifestPath": S("string"), "status": S("string"), "failCount": S("integer"),
    "generation": S("integer"), "observedGeneration": S("integer"), "specHash": S("string"), "spec": S("object"),
    "conditions": {"type": "array", "items": {"$ref": "#/components/schemas/Condition"}}, "orphaned": S("boolean"),
    "updatedAt": date, "hostKey": S("string"), "facts": S("object"), "lastSeenAt": date, "lastCheckedAt": date,
    "provisionAttempts": S("integer"), "provisionedHash": S("string"), "deployMarkers": S("object"),
}, ["name", "status", "failCount", "generation", "observedGeneration", "conditions", "orphaned", "updatedAt",
    "provisionAttempts", "deployMarkers"])
incident = obj({
    "id": S("integer"), "kind": S("string"), "severity": S("string"),
    "status": {"type": "string", "enum": ["detected", "recovering", "resolved", "failed"]},
    "objectKind": S("string"), "objectName": S("string"), "message": S("string"), "openedAt": date, "updatedAt": date,
    "resolvedAt": date,
}, ["kind", "severity", "status", "objectKind", "objectName", "message", "openedAt", "updatedAt"])
event = obj({"id": S("integer"), "time": date, "objectKind": S("string"), "objectName": S("string"), "type": S("string"),
             "reason": S("string"), "message": S("string")},
            ["time", "objectKind", "objectName", "type", "reason", "message"])
task = obj({"host": S("string"), "task": S("string"), "status": S("string"), "durationMs": S("integer"),
            "message": S("string"), "diff": S("string")}, ["host", "task", "status", "durationMs"])
run = obj({"id": S("integer"), "kind": S("string"), "project": S("string"), "server": S("string"),
           "playbook": S("string"), "inputHash": S("string"), "commit": S("string"),
           "status": {"type": "string", "enum": ["running", "succeeded", "failed", "unreachable", "timed_out", "interrupted"]},
           "exitCode": S("integer"), "failedTask": S("string"), "failedHost": S("string"), "startedAt": date,
           "finishedAt": date, "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
           "inputs": {"type": "object", "additionalProperties": S("string")}},
          ["kind", "playbook", "inputHash", "status", "startedAt", "tasks"])
health = obj({"project": S("string"), "url": S("string"), "consecutiveFailures": S("integer"), "lastStatus": S("string"),
              "lastCode": S("integer"), "lastError": S("string"), "lastCheckedAt": date, "lastHealthyAt": date,
              "downSince": date}, ["project", "url", "consecutiveFailures", "lastStatus", "lastCheckedAt"])
detail = obj({"project": {"$ref": "#/components/schemas/Project"}, "health": {"$ref": "#/components/schemas/HealthCheck"},
              "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}}, ["project", "runs"])
journal = obj({"id": S("integer"), "time": date,
               "level": {"type": "string", "enum": ["trace", "debug", "info", "notice", "warning", "error", "critical"]},
               "message": S("string"), "project": S("string"), "server": S("string"), "action": S("string"),
               "fields": {"type": "object", "additionalProperties": S("string")}},
              ["time", "level", "message", "fields"])
error = obj({"error": S("string")}, ["error"])

def ref(name): return {"$ref": "#/components/schemas/" + name}
def array(name): return {"type": "array", "items": ref(name)}
def ok(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}
def err(description): return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}
unauthorized = {"description": "http.tokenFile is set and the bearer token is missing or wrong",
                "content": {"text/plain": {"schema": S("string")}}}
limit = {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 10000}}
name = {"name": "name", "in": "path", "required": True, "schema": S("string")}

def get(summary, operation, responses, parameters=None):
    op = {"summary": summary, "operationId": operation, "responses": dict(responses, **{"401": unauthorized})}
    if parameters: op["parameters"] = parameters
    return {"get": op}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Steward API", "version": "v1",
             "description": "Read-only state of a running `steward run` controller, shaped as `steward get -o json` "
                            "prints it (sorted keys, ISO 8601 dates, absent optional fields omitted). Writes stay in git "
                            "and in the CLI. With `http.tokenFile` set, every request needs `Authorization: Bearer TOKEN`."},
    "servers": [{"url": "/api/v1"}],
    "security": [{}, {"bearer": []}],
    "paths": {
        "/projects": get("Every project", "listProjects", {"200": ok(array("Project"), "The projects, by name")}),
        "/projects/{name}": get("One project, its last health check and its last 5 Ansible runs", "getProject",
                                {"200": ok(ref("ProjectDetail"), "The project"), "404": err("No such project")}, [name]),
        "/projects/{name}/events": get("A project's events, newest first", "listProjectEvents",
                                       {"200": ok(array("Event"), "The events"), "400": err("A bad limit"),
                                        "404": err("No such project")}, [name, limit]),
        "/servers": get("Every server", "listServers", {"200": ok(array("Server"), "The servers, by name")}),
        "/servers/{name}": get("One server", "getServer",
                               {"200": ok(ref("Server"), "The server"), "404": err("No such server")}, [name]),
        "/incidents": get("Incidents, newest first", "listIncidents",
                          {"200": ok(array("Incident"), "The incidents"), "400": err("An unknown status")},
                          [{"name": "status", "in": "query", "required": False,
                            "description": "open (detected or recovering), all (the default), or one status",
                            "schema": {"type": "string",
                                       "enum": ["open", "all", "detected", "recovering", "resolved", "failed"]}}]),
        "/runs/{id}": get("One Ansible run with its tasks", "getRun",
                          {"200": ok(ref("Run"), "The run"), "400": err("Not a run id"), "404": err("No such run")},
                          [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer", "format": "int64", "minimum": 1}}]),
        "/journal": get("Journal lines after an id, oldest first (`?follow=true` streams new ones as Server-Sent "
                        "Events: `id: N` and `data: JSON` per line; a reconnecting client's `Last-Event-ID` header "
                        "takes the place of `since`)", "listJournal",
                        {"200": ok(array("JournalEntry"), "The lines"), "400": err("A bad since, limit or level")},
                        [{"name": "since", "in": "query", "required": False,
                          "schema": {"type": "integer", "format": "int64", "minimum": 0}}, limit,
                         {"name": "project", "in": "query", "required": False, "description": "Only this project's lines",
                          "schema": S("string")},
                         {"name": "server", "in": "query", "required": False, "description": "Only this server's lines",
                          "schema": S("string")},
                         {"name": "level", "in": "query", "required": False, "description": "This level and above",
                          "schema": {"type": "string", "enum": ["trace", "debug", "info", "notice", "warning", "error",
                                                               "critical"]}}]),
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Condition": condition, "Project": project, "ProjectDetail": detail, "HealthCheck": health,
                    "Server": server, "Incident": incident, "Event": event, "Task": task, "Run": run,
                    "JournalEntry": journal, "Error": error},
    },
}
text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
open("docs/openapi.json", "w").write(text)
swift = ('/// The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`; `docs/openapi.json` is the same text\n'
         '/// (a test holds them equal).\n'
         'enum OpenAPIDocument {\n'
         '    static let json = #"""\n' + text + '\n"""#\n}\n')
open("Sources/StewardServer/OpenAPIDocument.swift", "w").write(swift)
