#!/usr/bin/python3
"""An AMQP 1.0 client that is not Java: Apache Qpid Proton (Debian's python3-qpid-proton).

Written from docs/protocol.md alone, to prove the wire contract is usable without Tether's code:
manage, list, unmanage, and read the status events. Exits 0 when everything matched the document.
Usage: interop_client.py AMQP_URL HOST_ID DIRECTORY CREDENTIALS_FILE
CREDENTIALS_FILE is the worker's <data-dir>/engine-credentials (docs/protocol.md, "Logging in").
"""
import json
import sys
import uuid

from proton import Message, symbol
from proton.reactor import LinkOption, Selector
from proton.utils import BlockingConnection


class Topic(LinkOption):
    """docs/protocol.md: subscribe to the status address as a topic (source capability "topic")."""

    def apply(self, link):
        link.source.capabilities.put_object(symbol("topic"))


def read_login(path):
    """docs/protocol.md: two lines, user=... and password=..."""
    fields = dict(line.split("=", 1) for line in open(path).read().splitlines() if "=" in line)
    return fields["user"], fields["password"]


def list_page(call, prefix, cid):
    """docs/protocol.md: the list is paged; follow next (null on the last page, and a page may be
    empty before it) until the page that holds cid, and return that page."""
    after = None
    while True:
        params = {"connectionIdPrefix": prefix, "limit": 1}
        if after is not None:
            params["after"] = after
        page = call("getStorageServerList", params)["result"]
        if cid in page["connections"]:
            return page
        after = page["next"]
        assert after is not None, ("not listed", cid, page)


def main():
    url, host, directory, credentials = sys.argv[1:5]
    user, password = read_login(credentials)
    # SASL PLAIN on a loopback connection without TLS: Proton allows it only when told to.
    conn = BlockingConnection(url, timeout=20, user=user, password=password,
                              allowed_mechs="PLAIN", allow_insecure_mechs=True)
    # docs/protocol.md: the selector has the broker deliver only events published on the address
    # their statusAddress names.
    status = "tether.host.%s.status" % host
    events = conn.create_receiver(status, options=[Topic(), Selector("AMQAddress = statusAddress")])
    replies = conn.create_receiver(None, dynamic=True)
    reply_to = replies.link.remote_source.address
    sender = conn.create_sender("tether.host.%s.requests" % host)

    def call(method, params):
        message_id = "py-" + str(uuid.uuid4())
        body = json.dumps({"jsonrpc": "2.0", "id": message_id, "method": method, "params": params})
        sender.send(Message(id=message_id, reply_to=reply_to, body=body, content_type="application/json"))
        reply = replies.receive(timeout=20)
        replies.accept()
        assert reply.correlation_id == message_id, (reply.correlation_id, message_id)
        response = json.loads(reply.body)
        assert response["jsonrpc"] == "2.0" and response["id"] == message_id, response
        return response

    def next_event(predicate):
        while True:
            message = events.receive(timeout=20)
            events.accept()
            note = json.loads(message.body)
            assert note["method"] == "storageServerStatusChanged" and "id" not in note, note
            assert message.properties["hostId"] == host, message.properties
            assert message.properties["statusAddress"] == status, message.properties
            assert note["params"]["hostId"] == host, note
            if predicate(note["params"]):
                return note["params"]

    cid = "interop-" + str(uuid.uuid4())
    uri = "file://" + directory
    result = call("manageStorageServer", {"connectionId": cid, "uri": uri})["result"]
    assert result == {"connectionId": cid, "connectionKey": uri, "alreadyManaged": False}, result

    # docs/protocol.md: events are deltas; a MANAGED event names the CIDs it added, a STATE event
    # none (it is about every CID of its connection), and both count the connection's CIDs.
    managed = next_event(lambda e: e["change"] == "MANAGED")
    assert managed["changedIds"] == [cid] and managed["connectionKey"] == uri, managed
    assert managed["connectionIdCount"] == 1 and "connectionIds" not in managed, managed
    connected = next_event(lambda e: e["change"] == "STATE" and e["state"] == "CONNECTED")
    assert connected["changedIds"] == [] and connected["connectionIdCount"] == 1, connected
    assert connected["connected"] is True and connected["seq"] > managed["seq"], connected

    page = list_page(call, "interop-", cid)
    entry = page["connections"][cid]
    assert entry["state"] == "CONNECTED" and entry["managed"] is True and "stranded" not in entry, entry
    assert page["seq"] >= connected["seq"], (page["seq"], connected["seq"])

    error = call("unmanageStorageServer", {"connectionId": "interop-never-managed"})["error"]
    assert error["code"] == 479 and error["data"]["name"] == "CID_NOT_FOUND", error

    result = call("unmanageStorageServer", {"connectionId": cid})["result"]
    assert result == {"unmanaged": [cid], "disconnecting": [uri]}, result
    unmanaged = next_event(lambda e: e["change"] == "UNMANAGED")
    assert unmanaged["changedIds"] == [cid] and unmanaged["seq"] > connected["seq"], unmanaged
    assert unmanaged["connectionIdCount"] == 0, unmanaged

    conn.close()
    print("interop: manage, list, events, error and unmanage all as documented")


if __name__ == "__main__":
    main()
