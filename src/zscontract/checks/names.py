"""The names of the built-in checks: their keys in configuration, reports and the fault catalogue."""

RESPONSE_SHAPE = "response_shape"          # status, content type, inventory schema of a success
ACCEPTS_VALID = "accepts_valid"            # a must-accept input is accepted
REJECTS_INVALID = "rejects_invalid"        # a must-reject input (types, protocol, auth, unknown uuid) is rejected
ROUND_TRIP = "round_trip"                  # each sent field comes back exactly
UNCHANGED_UNSENT = "unchanged_unsent"      # fields not sent keep their value
INVARIANTS = "invariants"                  # uuid equals the path, createDate fixed, lastOpDate monotonic
IDEMPOTENCE = "idempotence"                # the same request twice gives the same inventory
READ_AFTER_WRITE = "read_after_write"      # the query API returns what the write returned
NO_LOST_UPDATE = "no_lost_update"          # concurrent updates of different fields are all kept
ERROR_ENVELOPE = "error_envelope"          # an error is a proper envelope, ErrorCode checked through cause
ZSTACK_CODES = "zstack_codes"              # ID.1001 / SYS.1003 / SYS.1007 where ZStack fixes them
REJECTED_UNCHANGED = "rejected_unchanged"  # a rejected request changes nothing
NO_SERVER_FAULT = "no_server_fault"        # no 5xx (documented) / 500 or bare 503 (zstack)
NO_HANG = "no_hang"                        # every request answers within the timeout; async jobs end
QUERY_READ = "query_read"                  # the query API answers soundly (5xx, hang, malformed inventories)

ALL = (
    RESPONSE_SHAPE, ACCEPTS_VALID, REJECTS_INVALID, ROUND_TRIP, UNCHANGED_UNSENT, INVARIANTS,
    IDEMPOTENCE, READ_AFTER_WRITE, NO_LOST_UPDATE, ERROR_ENVELOPE, ZSTACK_CODES, REJECTED_UNCHANGED,
    NO_SERVER_FAULT, NO_HANG, QUERY_READ,
)
