"""Schemathesis hooks for the contract run (loaded as SCHEMATHESIS_HOOKS).

Schemathesis feeds ids it saw in answers back into later calls, so it soon
finds the run's own admin key in `GET /v1/keys` and revokes, rotates,
disables or deletes it, and every call after that is a well-documented
401 that tests nothing. A call that would change the run's own key goes to
an id no key has instead (a 404, still checked against the document); the
run's other keys, and those Schemathesis creates, are fair game.
"""

import os

import schemathesis

PROTECTED_KEY = os.environ.get("CONTRACT_PROTECTED_KEY")
# No key has this id: what the call gets is the documented 404.
STAND_IN = "key_00000000000000000000000000"


@schemathesis.hook
def before_call(context, case, kwargs):
    if not PROTECTED_KEY or case.method.upper() == "GET":
        return
    if not case.path.startswith("/v1/keys/{id}"):
        return
    if (case.path_parameters or {}).get("id") == PROTECTED_KEY:
        case.path_parameters["id"] = STAND_IN
