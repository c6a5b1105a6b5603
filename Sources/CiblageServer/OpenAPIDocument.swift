/// The API's OpenAPI 3.1 description, served at `/api/v1/openapi.json`. Written by hand, beside the
/// routes: `OpenAPITests` fails when a route is missing from it or it names a route that does not exist.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Ciblage API", "version": "1.0.0",
               "description": "The control queue of Ciblage for scripts. Authenticate with a session (POST /session, then the cookie and X-CSRF-Token on every state change) or with 'Authorization: Bearer TOKEN' from 'ciblage users token'. Refusals are {\"error\": message, \"field\"?: name}."},
      "servers": [{"url": "/api/v1"}],
      "components": {
        "securitySchemes": {
          "session": {"type": "apiKey", "in": "cookie", "name": "__Host-ciblage-session"},
          "token": {"type": "http", "scheme": "bearer"}
        },
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}, "field": {"type": "string"}}},
          "Outcome": {"type": "object", "additionalProperties": false, "required": ["indu", "judgement"],
            "properties": {"indu": {"type": "number", "minimum": 0}, "rappel": {"type": "number", "minimum": 0},
                           "induMonths": {"type": "integer", "minimum": 0, "maximum": 120}, "fraud": {"type": "boolean"},
                           "judgement": {"enum": ["agree", "override"]}, "reason": {"type": "string", "maxLength": 2000}}},
          "Item": {"type": "object", "required": ["id", "dossier", "channel", "sector", "score", "expectedValue", "selection", "inclusionProbability", "reasons", "state"],
            "properties": {"id": {"type": "integer"}, "campaign": {"type": "string"}, "dossier": {"type": "string"},
                           "channel": {"enum": ["sur_pieces", "sur_place", "verification"]}, "sector": {"type": "string"}, "score": {"type": "number"},
                           "expectedAmount": {"type": "number"}, "expectedValue": {"type": "number"}, "selection": {"enum": ["ranked", "random"]},
                           "inclusionProbability": {"type": "number"}, "reasons": {"type": "array", "items": {"type": "string"}},
                           "state": {"enum": ["planned", "assigned", "closed"]}, "controller": {"type": "string"},
                           "leaseExpires": {"type": "string", "format": "date-time"}, "modelChecksum": {"type": "string"}}},
          "ModelVersion": {"type": "object", "required": ["reference", "name", "version", "state", "modelChecksum", "artifactSHA256", "validFrom", "evidence", "registeredBy", "registeredAt"],
            "properties": {"reference": {"type": "string", "description": "NAME@VERSION"}, "name": {"type": "string"}, "version": {"type": "string"},
                           "state": {"enum": ["registered", "approved", "retired"]}, "modelChecksum": {"type": "string"}, "artifactSHA256": {"type": "string"},
                           "validFrom": {"type": "string", "format": "date"}, "validUntil": {"type": "string", "format": "date"}, "regime": {"type": "string"},
                           "evidence": {"type": "object", "properties": {"evaluation": {"type": "string"}, "audit": {"type": "string"}, "card": {"type": "string"}}},
                           "registeredBy": {"type": "string"}, "registeredAt": {"type": "string", "format": "date-time"},
                           "approvedBy": {"type": "string"}, "approvedAt": {"type": "string", "format": "date-time"},
                           "retiredBy": {"type": "string"}, "retiredAt": {"type": "string", "format": "date-time"}, "retireReason": {"type": "string"}}},
          "State": {"type": "object", "required": ["id", "state"], "properties": {"id": {"type": "integer"}, "state": {"type": "string"}, "controller": {"type": "string"}}}
        },
        "responses": {
          "Unauthorized": {"description": "no session or token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Forbidden": {"description": "role refused, CSRF token missing or wrong, or cross-site", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "no such object, or not yours", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Invalid": {"description": "a field is wrong: the field is named", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Malformed": {"description": "the body is not a JSON object", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooLarge": {"description": "the body is larger than 64 KiB", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "parameters": {
          "id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}},
          "name": {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
          "version": {"name": "version", "in": "path", "required": true, "schema": {"type": "string"}}
        }
      },
      "security": [{"session": []}, {"token": []}],
      "paths": {
        "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/session": {
          "post": {"summary": "Log in", "security": [],
                   "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["user", "password"],
                                   "properties": {"user": {"type": "string"}, "password": {"type": "string"}}}}}},
                   "responses": {"200": {"description": "the session cookie is set", "content": {"application/json": {"schema": {"type": "object", "properties": {"csrfToken": {"type": "string"}, "user": {"type": "string"}, "role": {"type": "string"}}}}}},
                                 "400": {"$ref": "#/components/responses/Malformed"}, "401": {"$ref": "#/components/responses/Unauthorized"},
                                 "422": {"$ref": "#/components/responses/Invalid"}, "429": {"description": "too many failed logins"}}},
          "delete": {"summary": "Log out", "responses": {"204": {"description": "the session is ended"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}
        },
        "/sessions": {"get": {"summary": "My sessions", "responses": {"200": {"description": "created, last seen, address, current"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/sessions/others": {"delete": {"summary": "End my other sessions", "responses": {"200": {"description": "how many ended"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
        "/queue/next": {"post": {"summary": "Pull the best free item of my sectors, with a lease (controleur)",
          "requestBody": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"channel": {"enum": ["sur_pieces", "sur_place", "verification"]}, "sector": {"type": "string"}}}}}},
          "responses": {"200": {"description": "the item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}, "204": {"description": "nothing left"},
                        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "422": {"$ref": "#/components/responses/Invalid"}}}},
        "/items": {"get": {"summary": "My items (controleur) or my sectors' items (superviseur)", "responses": {"200": {"description": "items"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
        "/items/{id}": {"get": {"summary": "One item, for its holder and their superviseur (the view is audited)", "parameters": [{"$ref": "#/components/parameters/id"}],
          "responses": {"200": {"description": "the item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/items/{id}/close": {"post": {"summary": "Close my item with the outcome and my judgement", "parameters": [{"$ref": "#/components/parameters/id"}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Outcome"}}}},
          "responses": {"200": {"description": "closed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/State"}}}}, "400": {"$ref": "#/components/responses/Malformed"},
                        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"},
                        "409": {"description": "already closed, or not assigned"}, "413": {"$ref": "#/components/responses/TooLarge"}, "422": {"$ref": "#/components/responses/Invalid"}}}},
        "/items/{id}/release": {"post": {"summary": "Put my item back in the queue", "parameters": [{"$ref": "#/components/parameters/id"}],
          "responses": {"200": {"description": "released", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/State"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"},
                        "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "not assigned"}}}},
        "/items/{id}/reassign": {"post": {"summary": "Give an open item of my sectors to a controleur of its sector (superviseur)", "parameters": [{"$ref": "#/components/parameters/id"}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["controller"], "properties": {"controller": {"type": "string"}}}}}},
          "responses": {"200": {"description": "reassigned"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"},
                        "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "already closed"}, "422": {"$ref": "#/components/responses/Invalid"}}}},
        "/status": {"get": {"summary": "The CPOG dashboard (superviseur: my sectors; datascientist: all)",
          "parameters": [{"name": "campaign", "in": "query", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "lines per campaign, channel and sector; totals against objectives; population hit rate from the random share; workload; overrides"},
                        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
        "/outcomes": {"get": {"summary": "Closed outcomes as labelled rows for retraining (datascientist; audited)",
          "parameters": [{"name": "campaign", "in": "query", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "422": {"$ref": "#/components/responses/Invalid"}}}},
        "/audit": {"get": {"summary": "Verify the audit log's hash chain (datascientist, admin)", "responses": {"200": {"description": "entries, ok, firstBadEntry, problem"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
        "/models": {
          "get": {"summary": "The registry's versions (datascientist)", "responses": {"200": {"description": "versions", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ModelVersion"}}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
          "post": {"summary": "Register a version with its evidence; it waits for a second datascientist's approval (datascientist). The documents are the files' contents as strings; the body may be up to 16 MiB.",
                   "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                                   "required": ["name", "version", "validFrom", "model", "evaluation", "audit", "card"],
                                   "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "validFrom": {"type": "string", "format": "date"},
                                                  "validUntil": {"type": "string", "format": "date"}, "regime": {"type": "string"},
                                                  "model": {"type": "string", "description": "the artifact JSON of 'ciblage train'"},
                                                  "evaluation": {"type": "string", "description": "the JSON of 'ciblage evaluate --json' on the labelled random stratum"},
                                                  "audit": {"type": "string", "description": "the JSON of 'ciblage audit --json'"},
                                                  "card": {"type": "string", "description": "the Markdown of 'ciblage card --reference NAME@VERSION'"}}}}}},
                   "responses": {"201": {"description": "registered", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelVersion"}}}},
                                 "400": {"$ref": "#/components/responses/Malformed"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"},
                                 "409": {"description": "this name and version exist"}, "413": {"description": "the body is larger than 16 MiB"}, "422": {"$ref": "#/components/responses/Invalid"}}}
        },
        "/models/{name}/{version}": {"get": {"summary": "One version, its stored artifact verified against its checksum (datascientist)",
          "parameters": [{"$ref": "#/components/parameters/name"}, {"$ref": "#/components/parameters/version"}],
          "responses": {"200": {"description": "the version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelVersion"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"},
                        "409": {"description": "the stored artifact does not match its checksum"}}}},
        "/models/{name}/{version}/approve": {"post": {"summary": "Approve a registered version: four eyes, not by who registered it (datascientist)",
          "parameters": [{"$ref": "#/components/parameters/name"}, {"$ref": "#/components/parameters/version"}],
          "responses": {"200": {"description": "approved", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelVersion"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "not a datascientist, or the one who registered it"},
                        "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "not awaiting approval"}}}},
        "/models/{name}/{version}/retire": {"post": {"summary": "Retire a version, with the reason (datascientist)",
          "parameters": [{"$ref": "#/components/parameters/name"}, {"$ref": "#/components/parameters/version"}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["reason"], "properties": {"reason": {"type": "string", "maxLength": 2000}}}}}},
          "responses": {"200": {"description": "retired", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelVersion"}}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"},
                        "409": {"description": "already retired"}, "422": {"$ref": "#/components/responses/Invalid"}}}},
        "/users": {
          "get": {"summary": "Users (admin)", "responses": {"200": {"description": "users"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
          "post": {"summary": "Add a user (admin)",
                   "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["name", "role", "password"],
                                   "properties": {"name": {"type": "string"}, "role": {"enum": ["controleur", "superviseur", "datascientist", "admin"]}, "sectors": {"type": "string", "description": "comma-separated"}, "password": {"type": "string", "minLength": 12}}}}}},
                   "responses": {"201": {"description": "added"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "409": {"description": "exists"}, "422": {"$ref": "#/components/responses/Invalid"}}}
        },
        "/users/{name}/disable": {"post": {"summary": "Disable a user and end their sessions and tokens (admin)", "parameters": [{"$ref": "#/components/parameters/name"}],
          "responses": {"200": {"description": "disabled"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}}
      }
    }
    """#
}
