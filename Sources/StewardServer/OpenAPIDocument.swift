/// The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`; `docs/openapi.json` is the same text
/// (a test holds them equal).
enum OpenAPIDocument {
    static let json = #"""
{
  "components": {
    "schemas": {
      "Condition": {
        "properties": {
          "lastTransitionTime": {
            "format": "date-time",
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "reason": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "type": {
            "type": "string"
          }
        },
        "required": [
          "type",
          "status",
          "reason",
          "message",
          "lastTransitionTime"
        ],
        "type": "object"
      },
      "Error": {
        "properties": {
          "error": {
            "type": "string"
          }
        },
        "required": [
          "error"
        ],
        "type": "object"
      },
      "Event": {
        "properties": {
          "id": {
            "type": "integer"
          },
          "message": {
            "type": "string"
          },
          "objectKind": {
            "type": "string"
          },
          "objectName": {
            "type": "string"
          },
          "reason": {
            "type": "string"
          },
          "time": {
            "format": "date-time",
            "type": "string"
          },
          "type": {
            "type": "string"
          }
        },
        "required": [
          "time",
          "objectKind",
          "objectName",
          "type",
          "reason",
          "message"
        ],
        "type": "object"
      },
      "HealthCheck": {
        "properties": {
          "consecutiveFailures": {
            "type": "integer"
          },
          "downSince": {
            "format": "date-time",
            "type": "string"
          },
          "lastCheckedAt": {
            "format": "date-time",
            "type": "string"
          },
          "lastCode": {
            "type": "integer"
          },
          "lastError": {
            "type": "string"
          },
          "lastHealthyAt": {
            "format": "date-time",
            "type": "string"
          },
          "lastStatus": {
            "type": "string"
          },
          "project": {
            "type": "string"
          },
          "url": {
            "type": "string"
          }
        },
        "required": [
          "project",
          "url",
          "consecutiveFailures",
          "lastStatus",
          "lastCheckedAt"
        ],
        "type": "object"
      },
      "Incident": {
        "properties": {
          "id": {
            "type": "integer"
          },
          "kind": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "objectKind": {
            "type": "string"
          },
          "objectName": {
            "type": "string"
          },
          "openedAt": {
            "format": "date-time",
            "type": "string"
          },
          "resolvedAt": {
            "format": "date-time",
            "type": "string"
          },
          "severity": {
            "type": "string"
          },
          "status": {
            "enum": [
              "detected",
              "recovering",
              "resolved",
              "failed"
            ],
            "type": "string"
          },
          "updatedAt": {
            "format": "date-time",
            "type": "string"
          }
        },
        "required": [
          "kind",
          "severity",
          "status",
          "objectKind",
          "objectName",
          "message",
          "openedAt",
          "updatedAt"
        ],
        "type": "object"
      },
      "JournalEntry": {
        "properties": {
          "action": {
            "type": "string"
          },
          "fields": {
            "additionalProperties": {
              "type": "string"
            },
            "type": "object"
          },
          "id": {
            "type": "integer"
          },
          "level": {
            "enum": [
              "trace",
              "debug",
              "info",
              "notice",
              "warning",
              "error",
              "critical"
            ],
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "project": {
            "type": "string"
          },
          "server": {
            "type": "string"
          },
          "time": {
            "format": "date-time",
            "type": "string"
          }
        },
        "required": [
          "time",
          "level",
          "message",
          "fields"
        ],
        "type": "object"
      },
      "Project": {
        "properties": {
          "archived": {
            "type": "boolean"
          },
          "conditions": {
            "items": {
              "$ref": "#/components/schemas/Condition"
            },
            "type": "array"
          },
          "engineeringStatus": {},
          "failCount": {
            "type": "integer"
          },
          "generation": {
            "type": "integer"
          },
          "githubRepoID": {
            "type": "integer"
          },
          "implementedChanges": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "lastDeployCommit": {
            "type": "string"
          },
          "lastDeployInputHash": {
            "type": "string"
          },
          "lastDeployedAt": {
            "format": "date-time",
            "type": "string"
          },
          "manifestPath": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "observedGeneration": {
            "type": "integer"
          },
          "orphaned": {
            "type": "boolean"
          },
          "phase": {
            "type": "string"
          },
          "port": {
            "type": "integer"
          },
          "proposal": {},
          "repo": {
            "type": "string"
          },
          "repoOrigin": {},
          "resumePhase": {
            "type": "string"
          },
          "server": {
            "type": "string"
          },
          "spec": {
            "type": "object"
          },
          "specHash": {
            "type": "string"
          },
          "updatedAt": {
            "format": "date-time",
            "type": "string"
          },
          "zavhozStatus": {}
        },
        "required": [
          "name",
          "phase",
          "failCount",
          "generation",
          "observedGeneration",
          "conditions",
          "orphaned",
          "archived",
          "updatedAt",
          "implementedChanges"
        ],
        "type": "object"
      },
      "ProjectDetail": {
        "properties": {
          "health": {
            "$ref": "#/components/schemas/HealthCheck"
          },
          "project": {
            "$ref": "#/components/schemas/Project"
          },
          "runs": {
            "items": {
              "$ref": "#/components/schemas/Run"
            },
            "type": "array"
          }
        },
        "required": [
          "project",
          "runs"
        ],
        "type": "object"
      },
      "Run": {
        "properties": {
          "commit": {
            "type": "string"
          },
          "exitCode": {
            "type": "integer"
          },
          "failedHost": {
            "type": "string"
          },
          "failedTask": {
            "type": "string"
          },
          "finishedAt": {
            "format": "date-time",
            "type": "string"
          },
          "id": {
            "type": "integer"
          },
          "inputHash": {
            "type": "string"
          },
          "inputs": {
            "additionalProperties": {
              "type": "string"
            },
            "type": "object"
          },
          "kind": {
            "type": "string"
          },
          "playbook": {
            "type": "string"
          },
          "project": {
            "type": "string"
          },
          "server": {
            "type": "string"
          },
          "startedAt": {
            "format": "date-time",
            "type": "string"
          },
          "status": {
            "enum": [
              "running",
              "succeeded",
              "failed",
              "unreachable",
              "timed_out",
              "interrupted"
            ],
            "type": "string"
          },
          "tasks": {
            "items": {
              "$ref": "#/components/schemas/Task"
            },
            "type": "array"
          }
        },
        "required": [
          "kind",
          "playbook",
          "inputHash",
          "status",
          "startedAt",
          "tasks"
        ],
        "type": "object"
      },
      "Server": {
        "properties": {
          "conditions": {
            "items": {
              "$ref": "#/components/schemas/Condition"
            },
            "type": "array"
          },
          "deployMarkers": {
            "type": "object"
          },
          "facts": {
            "type": "object"
          },
          "failCount": {
            "type": "integer"
          },
          "generation": {
            "type": "integer"
          },
          "hostKey": {
            "type": "string"
          },
          "lastCheckedAt": {
            "format": "date-time",
            "type": "string"
          },
          "lastSeenAt": {
            "format": "date-time",
            "type": "string"
          },
          "manifestPath": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "observedGeneration": {
            "type": "integer"
          },
          "orphaned": {
            "type": "boolean"
          },
          "provisionAttempts": {
            "type": "integer"
          },
          "provisionedHash": {
            "type": "string"
          },
          "spec": {
            "type": "object"
          },
          "specHash": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "updatedAt": {
            "format": "date-time",
            "type": "string"
          }
        },
        "required": [
          "name",
          "status",
          "failCount",
          "generation",
          "observedGeneration",
          "conditions",
          "orphaned",
          "updatedAt",
          "provisionAttempts",
          "deployMarkers"
        ],
        "type": "object"
      },
      "Task": {
        "properties": {
          "diff": {
            "type": "string"
          },
          "durationMs": {
            "type": "integer"
          },
          "host": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "task": {
            "type": "string"
          }
        },
        "required": [
          "host",
          "task",
          "status",
          "durationMs"
        ],
        "type": "object"
      }
    },
    "securitySchemes": {
      "bearer": {
        "scheme": "bearer",
        "type": "http"
      }
    }
  },
  "info": {
    "description": "Read-only state of a running `steward run` controller, shaped as `steward get -o json` prints it (sorted keys, ISO 8601 dates, absent optional fields omitted). Writes stay in git and in the CLI. With `http.tokenFile` set, every request needs `Authorization: Bearer TOKEN`.",
    "title": "Steward API",
    "version": "v1"
  },
  "openapi": "3.1.0",
  "paths": {
    "/incidents": {
      "get": {
        "operationId": "listIncidents",
        "parameters": [
          {
            "description": "open (detected or recovering), all (the default), or one status",
            "in": "query",
            "name": "status",
            "required": false,
            "schema": {
              "enum": [
                "open",
                "all",
                "detected",
                "recovering",
                "resolved",
                "failed"
              ],
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/Incident"
                  },
                  "type": "array"
                }
              }
            },
            "description": "The incidents"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "An unknown status"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          }
        },
        "summary": "Incidents, newest first"
      }
    },
    "/journal": {
      "get": {
        "operationId": "listJournal",
        "parameters": [
          {
            "in": "query",
            "name": "since",
            "required": false,
            "schema": {
              "format": "int64",
              "minimum": 0,
              "type": "integer"
            }
          },
          {
            "in": "query",
            "name": "limit",
            "required": false,
            "schema": {
              "maximum": 10000,
              "minimum": 1,
              "type": "integer"
            }
          },
          {
            "description": "Only this project's lines",
            "in": "query",
            "name": "project",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "description": "Only this server's lines",
            "in": "query",
            "name": "server",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "description": "This level and above",
            "in": "query",
            "name": "level",
            "required": false,
            "schema": {
              "enum": [
                "trace",
                "debug",
                "info",
                "notice",
                "warning",
                "error",
                "critical"
              ],
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/JournalEntry"
                  },
                  "type": "array"
                }
              }
            },
            "description": "The lines"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "A bad since, limit or level"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          }
        },
        "summary": "Journal lines after an id, oldest first (`?follow=true` streams new ones as Server-Sent Events: `id: N` and `data: JSON` per line; a reconnecting client's `Last-Event-ID` header takes the place of `since`)"
      }
    },
    "/projects": {
      "get": {
        "operationId": "listProjects",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/Project"
                  },
                  "type": "array"
                }
              }
            },
            "description": "The projects, by name"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          }
        },
        "summary": "Every project"
      }
    },
    "/projects/{name}": {
      "get": {
        "operationId": "getProject",
        "parameters": [
          {
            "in": "path",
            "name": "name",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProjectDetail"
                }
              }
            },
            "description": "The project"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such project"
          }
        },
        "summary": "One project, its last health check and its last 5 Ansible runs"
      }
    },
    "/projects/{name}/events": {
      "get": {
        "operationId": "listProjectEvents",
        "parameters": [
          {
            "in": "path",
            "name": "name",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "in": "query",
            "name": "limit",
            "required": false,
            "schema": {
              "maximum": 10000,
              "minimum": 1,
              "type": "integer"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/Event"
                  },
                  "type": "array"
                }
              }
            },
            "description": "The events"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "A bad limit"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such project"
          }
        },
        "summary": "A project's events, newest first"
      }
    },
    "/runs/{id}": {
      "get": {
        "operationId": "getRun",
        "parameters": [
          {
            "in": "path",
            "name": "id",
            "required": true,
            "schema": {
              "format": "int64",
              "minimum": 1,
              "type": "integer"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Run"
                }
              }
            },
            "description": "The run"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "Not a run id"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such run"
          }
        },
        "summary": "One Ansible run with its tasks"
      }
    },
    "/servers": {
      "get": {
        "operationId": "listServers",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/Server"
                  },
                  "type": "array"
                }
              }
            },
            "description": "The servers, by name"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          }
        },
        "summary": "Every server"
      }
    },
    "/servers/{name}": {
      "get": {
        "operationId": "getServer",
        "parameters": [
          {
            "in": "path",
            "name": "name",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Server"
                }
              }
            },
            "description": "The server"
          },
          "401": {
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "http.tokenFile is set and the bearer token is missing or wrong"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "No such server"
          }
        },
        "summary": "One server"
      }
    }
  },
  "security": [
    {},
    {
      "bearer": []
    }
  ],
  "servers": [
    {
      "url": "/api/v1"
    }
  ]
}

"""#
}
