// The management view's contact figures (window.ManagementContacts): every recorded contact (phone, chat,
// messages, walk-in) by channel, contactor, reason and onward guidance with the service area, in counts and
// the shares the pilot published ("54 %"); per day and per hour (charts from management-charts.js, each
// with its data table), and a table of the contacts per hour by channel next to the team's open hours and,
// where the region profile has a staffing plan, the planned person-hours and the contacts per person-hour.
// Everything from the server goes on the page as text, never as HTML.
(function () {
  "use strict";
  var charts = window.ManagementCharts;
  var number = charts.number, percent = charts.percent;
  var HOURS_FORMAT = new Intl.NumberFormat("fi-FI", { maximumFractionDigits: 1 });
  var RATIO_FORMAT = new Intl.NumberFormat("fi-FI", { maximumFractionDigits: 2 });
  function $(id) { return document.getElementById(id); }
  var dayText = window.StaffCommon.dayText;
  function labelled(rows, names) {  // report rows -> chart rows with the Finnish label and the share
    return rows.map(function (row) {
      var name = names && Object.prototype.hasOwnProperty.call(names, row.code) ? names[row.code] : (row.name || row.code);
      return { label: name, count: row.count, share: row.share };
    });
  }
  function decimal(format, value) { return value === null || value === undefined ? "–" : format.format(value); }
  function hourTable(report) {
    var table = $("k-hour-table");
    var head = table.querySelector("thead"), body = table.querySelector("tbody");
    charts.clear(head); charts.clear(body);
    var channels = Object.keys(report.per_hour_by_channel || {});
    var open = report.open_hours, staffing = report.staffing;
    var names = [{ text: "Tunti" }, { text: "Yhteensä", n: true }]
      .concat(channels.map(function (code) { return { text: report.labels.channel[code] || code, n: true }; }))
      .concat(open ? [{ text: "Palvelu auki" }] : [])
      .concat(staffing ? [{ text: "Henkilötyötunnit (suunniteltu)", n: true },
                          { text: "Yhteydenottoja henkilötyötuntia kohden", n: true }] : []);
    var tr = document.createElement("tr");
    names.forEach(function (name) {
      var th = charts.el("th", name.text, name.n ? "n" : null);
      th.scope = "col";
      tr.appendChild(th);
    });
    head.appendChild(tr);
    report.per_hour.forEach(function (count, hour) {
      var line = document.createElement("tr");
      var th = charts.el("th", "klo " + hour + "–" + (hour + 1));
      th.scope = "row";
      line.appendChild(th);
      line.appendChild(charts.el("td", number(count), "n"));
      channels.forEach(function (code) { line.appendChild(charts.el("td", number(report.per_hour_by_channel[code][hour]), "n")); });
      if (open) { line.appendChild(charts.el("td", open[hour] ? "auki" : "kiinni")); }
      if (staffing) {
        line.appendChild(charts.el("td", decimal(HOURS_FORMAT, staffing.staff_hours[hour]), "n"));
        line.appendChild(charts.el("td", decimal(RATIO_FORMAT, staffing.contacts_per_staff_hour[hour]), "n"));
      }
      body.appendChild(line);
    });
    $("k-hour-note").hidden = !open;
    $("k-staffing-note").hidden = !staffing;
    if (staffing) {
      $("k-staffing-days").textContent = staffing.planned_days === report.per_day.length ? ""
        : " Suunnitelma kattaa " + number(staffing.planned_days) + " jakson " + number(report.per_day.length) +
          " päivästä; suhdeluvussa ovat mukana vain niiden päivien yhteydenotot.";
    }
    var notes = [open ? "k-hour-note" : "", staffing ? "k-staffing-note" : ""].filter(Boolean).join(" ");
    if (notes) { table.setAttribute("aria-describedby", notes); } else { table.removeAttribute("aria-describedby"); }
  }
  function show(report) {
    var labels = report.labels;
    $("t-contacts").textContent = number(report.contacts);
    var within = report.by_onward.filter(function (row) { return row.code === "referred_within_region"; })[0];
    $("t-contacts-within").textContent = within ? percent(within.share) : "–";
    charts.bars("k-channel", "Kanava", labelled(report.by_channel, labels.channel));
    charts.bars("k-contactor", "Yhteydenottaja", labelled(report.by_contactor, labels.contactor));
    var reasons = labelled(report.by_reason, labels.reason);
    reasons.push({ label: labels.reason_group.practical + " yhteensä", count: report.practical_reasons.count,
                   share: report.practical_reasons.share });
    charts.bars("k-reason", "Syy", reasons);
    charts.bars("k-onward", "Jatko-ohjaus", labelled(report.by_onward, labels.onward));
    charts.bars("k-area", "Palvelualue", labelled(report.by_service_area, null));
    var days = report.per_day;
    charts.columns("k-days", "Päivä", days.map(function (d) { return { label: dayText(d.day), count: d.count }; }),
      days.map(function (d) { return Number(d.day.slice(8, 10)) + "." + Number(d.day.slice(5, 7)) + "."; }));
    charts.columns("k-hours", "Tunti", report.per_hour.map(function (count, h) {
      return { label: "klo " + h + "–" + (h + 1) + (report.open_hours && report.open_hours[h] ? " (auki)" : ""),
               count: count };
    }), report.per_hour.map(function (_, h) { return String(h); }));
    hourTable(report);
  }
  window.ManagementContacts = { show: show };
}());
