/*
 * The simulated WeCom desktop client's JS bridge, as the real client injects it into the chat
 * toolbar webview: window.WeixinJSBridge with invoke/on. Every call is forwarded to the host page
 * (the desktop-client window around this frame), which verifies the agentConfig signature, knows
 * the open chat and answers with real err_msg strings. Outside the host page nothing is
 * installed, exactly like an ordinary browser. Sandbox only: never part of a production build.
 */
(function () {
  if (window.parent === window || window.WeixinJSBridge) return;
  // The client's user agent carries wxwork/<version>; @wecom/jssdk reads it at module load.
  var ua = navigator.userAgent;
  if (!/wxwork\//i.test(ua)) {
    Object.defineProperty(Navigator.prototype, 'userAgent', {
      configurable: true,
      get: function () {
        return ua + ' wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh';
      },
    });
  }
  var seq = 0;
  var pending = {};
  var handlers = {};
  window.addEventListener('message', function (e) {
    if (e.source !== window.parent) return;
    var d = e.data;
    if (!d || typeof d !== 'object') return;
    if (d.__wwbridge === 'reply' && pending[d.id]) {
      var cb = pending[d.id];
      delete pending[d.id];
      cb(d.result);
    } else if (d.__wwbridge === 'event') {
      (handlers[d.name] || []).forEach(function (h) {
        try {
          h(d.payload);
        } catch (err) {
          setTimeout(function () {
            throw err;
          });
        }
      });
    }
  });
  // Callers' success/fail/complete functions arrive spread into params; they cannot cross postMessage.
  function plain(v) {
    if (typeof v === 'function') return undefined;
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') {
      var o = {};
      Object.keys(v).forEach(function (k) {
        if (typeof v[k] !== 'function') o[k] = plain(v[k]);
      });
      return o;
    }
    return v;
  }
  window.WeixinJSBridge = {
    invoke: function (name, params, cb) {
      var id = ++seq;
      pending[id] = function (result) {
        setTimeout(function () {
          if (typeof cb === 'function') cb(result);
        }, 0);
      };
      window.parent.postMessage(
        { __wwbridge: 'invoke', id: id, name: name, params: plain(params || {}), href: location.href.split('#')[0] },
        '*',
      );
    },
    on: function (name, cb) {
      (handlers[name] = handlers[name] || []).push(cb);
    },
    call: function () {},
  };
})();
