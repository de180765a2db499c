// Resident web chat: the messages sent but not yet known to have arrived. A socket can look connected
// while the network under it is gone (a phone that changed network or woke from sleep) until socket.io's
// ping timeout, and whatever is written into it then is lost. So each sent message is kept in
// sessionStorage until the server acknowledges it (python-socketio acks once the message's handler has
// returned) or answers (`bot_uttered`, `typing`). When the connection drops, or a reload comes, with some
// still unconfirmed, they are marked lost and sent again, once, when the session is confirmed again.
(function () {
  "use strict";
  var KEY = "chat.unconfirmed";
  var MAX = 5;  // the newest few; a resident does not type more than that into a dead connection
  var ACK_MS = 20000;  // no acknowledgement by then: the connection is taken as dead and opened again
  var ACK_MS_RANGE = [2000, 120000];  // what the server's chat-config may set instead (ack_ms)

  function Delivery(store) { this.store = store; this.ackMs = ACK_MS; }
  Delivery.prototype.setAckMs = function (ms) {  // the region's setting; anything odd keeps the default
    if (typeof ms === "number" && ms >= ACK_MS_RANGE[0] && ms <= ACK_MS_RANGE[1]) { this.ackMs = ms; }
  };
  Delivery.prototype.all = function () {
    try {
      var all = JSON.parse(this.store.getItem(KEY) || "[]");
      return Array.isArray(all) ? all.filter(function (e) { return e && typeof e.message === "string"; }) : [];
    } catch (e) { return []; }
  };
  Delivery.prototype.save = function (all) {
    if (all.length) { this.store.setItem(KEY, JSON.stringify(all.slice(-MAX))); } else { this.store.removeItem(KEY); }
  };
  Delivery.prototype.add = function (message, shown, tries) {  // a message just written into the socket: its id
    var id = Date.now() + "-" + Math.random().toString(16).slice(2);
    var all = this.all();
    all.push({ id: id, message: message, shown: shown || "", lost: false, tries: tries || 0 });
    this.save(all);
    return id;
  };
  Delivery.prototype.unconfirmed = function (id) {
    return this.all().some(function (e) { return e.id === id && !e.lost; });
  };
  Delivery.prototype.confirm = function (id) {  // one acknowledged, or (no id) all: an answer came
    this.save(id ? this.all().filter(function (e) { return e.id !== id; }) : []);
  };
  Delivery.prototype.loseAll = function () {  // the connection dropped: how many may not have arrived
    var all = this.all();
    all.forEach(function (e) { e.lost = true; });
    this.save(all);
    return all.length;
  };
  Delivery.prototype.takeLost = function () {  // the lost ones, in order, removed (they are sent again)
    var all = this.all();
    this.save(all.filter(function (e) { return !e.lost; }));
    return all.filter(function (e) { return e.lost; });
  };
  Delivery.prototype.forget = function () { this.store.removeItem(KEY); };

  // Emits a message with an acknowledgement. No acknowledgement within ackMs on a socket that still
  // looks connected: its transport is closed, so socket.io reconnects, and the message counts as lost.
  // tries: how many times it was sent before (a lost message is sent again once, never more).
  Delivery.prototype.emit = function (socket, event, data, shown, tries) {
    var self = this;
    var id = this.add(data.message, shown, tries);
    socket.timeout(self.ackMs).emit(event, data, function (err) {
      if (!err) { self.confirm(id); return; }
      if (socket.connected && self.unconfirmed(id) && socket.io.engine) { socket.io.engine.close(); }
    });
  };

  window.ChatDelivery = Delivery;
}());
