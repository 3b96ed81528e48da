/* Draws a building's unit grid from its compact payload, and handles clicks and keys on it.
   One delegated listener serves every cell: a Dash component per cell is far slower to draw (README, Speed). */
(function () {
  "use strict";

  var ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (ch) { return ESCAPES[ch]; });
  }

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /* A message of the payload's words (layouts/grid.py grid_words) with its %(name)s placeholders filled in. */
  function fill(template, values) {
    return template.replace(/%\(([a-z_]+)\)s/g, function (whole, name) { return String(values[name]); });
  }

  function addDays(isoDate, days) {
    var d = new Date(isoDate + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  var COLOUR = /^#[0-9a-fA-F]{6}$/;

  function colour(value) {
    return COLOUR.test(value) ? value : "#BDBDBD";
  }

  /* Per-status classes, scoped to one grid: statuses are data, so their CSS is too (colours checked, not escaped). */
  function statusStyles(scope, statuses) {
    return statuses.map(function (s, i) {
      return "#" + scope + " .s" + i + "{background-color:" + colour(s.color) + ";color:" + colour(s.ink) + "}";
    }).join("");
  }

  function columnStarts(entrances) {
    var starts = [], at = 0;
    entrances.forEach(function (e) { starts.push(at); at += e.width; });
    return {starts: starts, total: at};
  }

  /* The payload's cells as objects named by its fields (layouts/grid.py CELL_FIELDS), with the unit id, row,
     entrance column and label each stands for. */
  function decodeCells(p) {
    var names = Object.keys(p.cells), cells = [], unit = p.base;
    for (var i = 0; i < p.count; i++) {
      var cell = {};
      names.forEach(function (name) { cell[name] = p.cells[name][i]; });
      unit += cell.unit;
      cell.unit = unit;
      cell.offset = unit - p.base;
      cell.row = p.floors[cell.floor][0];
      cell.column = p.floors[cell.floor][1];
      cell.label = p.labels[i] || p.rows[cell.row] + pad2(cell.position + 1);
      cells.push(cell);
    }
    return cells;
  }

  function cellHtml(p, c, selected, due, changed) {
    var status = p.statuses[c.status], use = p.uses[c.use], mixed = use.mixed, isDue = due[c.offset];
    var entrance = p.entrances[c.column].name, since = addDays(p.epoch, c.days);
    var words = p.words, late = (isDue ? " · " + words.due : "") + (changed[c.offset] ? " · " + words.changed : "");
    var title = fill(words.cell, {unit: c.label, use: use.label, people: c.people, status: status.label, since: since}) + late;
    var code = (isDue ? "! " : "") + status.text;
    /* The name starts with the text shown (label and code): speech input finds a cell by what is on it. */
    var aria = fill(words.cell_name, {unit: c.label, code: code, entrance: entrance, status: status.label, use: use.label}) + late;
    return '<button type="button" class="cell s' + c.status + " pat-" + esc(status.pattern) + (mixed ? " mixed" : "") +
      (isDue ? " due" : "") + (changed[c.offset] ? " changed" : "") + (c.unit === selected ? " selected" : "") +
      '" tabindex="-1" data-unit="' + c.unit + '" data-version="' + Number(c.version) + '" data-entrance="' + Number(c.column) +
      '" data-status="' + esc(status.code) + '" title="' + esc(title) + '" aria-label="' + esc(aria) + '"><span class="cell-label">' +
      esc(c.label) + '</span> <span class="cell-code" aria-hidden="true">' + esc(code) + "</span></button>";
  }

  /* An entrance's name: for editors, a button that selects its units. */
  function entranceHead(entrance, i, editable, words) {
    var name = editable ? '<button type="button" class="pick-entrance" data-entrance="' + i + '" title="' + esc(words.pick_entrance) + '">' +
      esc(entrance.name) + "</button>" : esc(entrance.name);
    return '<th scope="colgroup" colspan="' + entrance.width + '" class="entrance-head">' + name + "</th>";
  }

  /* A floor's label: for editors, a button that selects its units. */
  function floorHead(label, editable, words) {
    var text = editable ? '<button type="button" class="pick-floor" title="' + esc(words.pick_floor) + '">' + esc(label) + "</button>" : esc(label);
    return '<th scope="row" class="floor-label">' + text + "</th>";
  }

  function gridHtml(p, selected, scope, editable) {
    var cols = columnStarts(p.entrances), matrix = p.rows.map(function () { return new Array(cols.total); });
    var due = {}, changed = {};
    (p.due || []).forEach(function (offset) { due[offset] = true; });
    (p.changed || []).forEach(function (offset) { changed[offset] = true; });
    decodeCells(p).forEach(function (c) { matrix[c.row][cols.starts[c.column] + c.position] = c; });
    var head = '<thead><tr><th scope="col" class="floor-head">' + esc(p.words.floor) + "</th>" + p.entrances.map(function (e, i) {
      return entranceHead(e, i, editable, p.words);
    }).join("") + "</tr></thead>";
    var body = matrix.map(function (row, r) {
      var tds = "";
      for (var x = 0; x < cols.total; x++) {
        var edge = cols.starts.indexOf(x) > 0 ? " entrance-start" : "";
        tds += row[x] ? '<td class="' + edge + '">' + cellHtml(p, row[x], selected, due, changed) + "</td>" : '<td class="empty' + edge + '"></td>';
      }
      return "<tr>" + floorHead(p.rows[r], editable, p.words) + tds + "</tr>";
    }).join("");
    return "<style>" + statusStyles(scope, p.statuses) + '</style><table class="unit-grid" role="grid" aria-label="' +
      esc(p.words.grid) + '">' + head + "<tbody>" + body + "</tbody></table>";
  }

  function setRovingFocus(grid, cell) {
    var current = grid.querySelector('.cell[tabindex="0"]');
    if (current && current !== cell) { current.setAttribute("tabindex", "-1"); }
    cell.setAttribute("tabindex", "0");
  }

  function render(payload, selected, selection, hostId) {
    var host = document.getElementById(hostId);
    if (!payload || !host) { return ""; }
    var started = performance.now();
    host.innerHTML = gridHtml(payload, selected, hostId, host.dataset.editable === "true");
    var grid = host.querySelector(".unit-grid");
    (selection || []).forEach(function (pick) {
      var cell = grid.querySelector('.cell[data-unit="' + Number(pick[0]) + '"]');
      if (cell) { cell.classList.add("picked"); cell.dataset.version = String(pick[1]); }
    });
    var first = grid.querySelector(".cell.selected") || grid.querySelector(".cell");
    if (first) { setRovingFocus(grid, first); }
    host.dataset.drawnMs = String(Math.round(performance.now() - started));
    host.dataset.drawnAt = String(Math.round(performance.now()));
    return payload.words.summary;
  }

  function highlight(clicks, hostId) {
    var ctx = window.dash_clientside.callback_context;
    var items = ctx.inputs_list[0], triggered = ctx.triggered_id, host = document.getElementById(hostId);
    var wasActive = host.dataset.highlight === (triggered && triggered.status);
    var code = triggered && !wasActive ? triggered.status : "";
    host.dataset.highlight = code;
    host.querySelectorAll(".cell").forEach(function (cell) {
      cell.classList.toggle("dim", code !== "" && cell.dataset.status !== code);
    });
    document.querySelectorAll(".legend-item[data-status]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.status === code));
    });
    return items.map(function (item) { return item.id.status === code ? "legend-item active" : "legend-item"; });
  }

  function openCell(cell) {
    var grid = cell.closest(".unit-grid"), host = grid.parentElement;
    var previous = grid.querySelector(".cell.selected");
    if (previous) { previous.classList.remove("selected"); }
    cell.classList.add("selected");
    setRovingFocus(grid, cell);
    var unitId = Number(cell.dataset.unit);
    window.dash_clientside.set_props(host.dataset.target, {data: unitId});
    var url = new URL(window.location.href);
    url.searchParams.set("unit", String(unitId));
    window.history.replaceState(window.history.state, "", url.toString());
  }

  var MOVES = {ArrowUp: -1, ArrowDown: 1, ArrowLeft: -1, ArrowRight: 1};

  function cellsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll(".cell"));
  }

  /* The cell of a row nearest to a column: rows of a podium and a tower need not share columns. */
  function nearestInRow(row, column) {
    var best = null;
    cellsOf(row).forEach(function (cell) {
      var distance = Math.abs(cell.parentElement.cellIndex - column);
      if (best === null || distance < best.distance) { best = {cell: cell, distance: distance}; }
    });
    return best && best.cell;
  }

  /* Where a key moves from a cell: along its row, to the nearest cell of the next row that has any, or to an end. */
  function nextCell(grid, cell, event) {
    var rows = grid.tBodies[0].rows, row = cell.parentElement.parentElement, inRow = cellsOf(row);
    var r = row.sectionRowIndex, step = MOVES[event.key];
    if (event.key === "Home" || event.key === "End") {
      var pool = event.ctrlKey ? Array.prototype.slice.call(grid.querySelectorAll(".cell")) : inRow;
      return pool[event.key === "Home" ? 0 : pool.length - 1];
    }
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      return inRow[inRow.indexOf(cell) + step] || null;
    }
    for (r += step; r >= 0 && r < rows.length; r += step) {
      var found = nearestInRow(rows[r], cell.parentElement.cellIndex);
      if (found) { return found; }
    }
    return null;
  }

  /* Bulk selection, for editors only: Ctrl-click, Shift-click, a floor, an entrance, a dragged rectangle, Space;
     Escape clears it from anywhere on the page. */
  var anchor = null, dragFrom = null;

  function editable(grid) {
    return grid.parentElement.dataset.editable === "true";
  }

  /* The cell an event happened on, when that grid lets the user select. */
  function pickableCell(event) {
    var cell = event.target.closest && event.target.closest(".unit-grid .cell");
    return cell && editable(cell.closest(".unit-grid")) ? cell : null;
  }

  function publish(grid) {
    var picks = Array.prototype.map.call(grid.querySelectorAll(".cell.picked"), function (cell) {
      return [Number(cell.dataset.unit), Number(cell.dataset.version)];
    });
    window.dash_clientside.set_props(grid.parentElement.dataset.selection, {data: picks});
  }

  function pickAll(cells) {
    var all = cells.length > 0 && cells.every(function (cell) { return cell.classList.contains("picked"); });
    cells.forEach(function (cell) { cell.classList.toggle("picked", !all); });
  }

  function place(cell) {
    return {row: cell.parentElement.parentElement.sectionRowIndex, col: cell.parentElement.cellIndex};
  }

  function pickRectangle(grid, from, to) {
    var a = place(from), b = place(to), rows = grid.tBodies[0].rows;
    for (var r = Math.min(a.row, b.row); r <= Math.max(a.row, b.row); r++) {
      for (var c = Math.min(a.col, b.col); c <= Math.max(a.col, b.col); c++) {
        var cell = rows[r].cells[c] && rows[r].cells[c].querySelector(".cell");
        if (cell) { cell.classList.add("picked"); }
      }
    }
  }

  function clearPicks(grid) {
    grid.querySelectorAll(".cell.picked").forEach(function (cell) { cell.classList.remove("picked"); });
  }

  function onHeaderClick(target) {
    var grid = target.closest(".unit-grid");
    if (target.classList.contains("pick-floor")) {
      pickAll(cellsOf(target.closest("tr")));
    } else {
      pickAll(Array.prototype.slice.call(grid.querySelectorAll('.cell[data-entrance="' + target.dataset.entrance + '"]')));
    }
    publish(grid);
  }

  function onCellClick(cell, event) {
    var grid = cell.closest(".unit-grid"), picking = editable(grid);
    if (picking && (event.ctrlKey || event.metaKey)) {
      cell.classList.toggle("picked");
      anchor = cell;
      publish(grid);
    } else if (picking && event.shiftKey && anchor && grid.contains(anchor)) {
      pickRectangle(grid, anchor, cell);
      publish(grid);
    } else {
      anchor = cell;
      openCell(cell);
    }
  }

  document.addEventListener("click", function (event) {
    var header = event.target.closest && event.target.closest(".unit-grid .pick-floor, .unit-grid .pick-entrance");
    var cell = event.target.closest && event.target.closest(".unit-grid .cell");
    if (header) { onHeaderClick(header); } else if (cell) { onCellClick(cell, event); }
  });

  document.addEventListener("mousedown", function (event) {
    dragFrom = event.button === 0 && !event.shiftKey ? pickableCell(event) : null;
  });

  document.addEventListener("mouseup", function (event) {
    var cell = event.target.closest && event.target.closest(".unit-grid .cell");
    if (dragFrom && cell && cell !== dragFrom && dragFrom.closest(".unit-grid") === cell.closest(".unit-grid")) {
      pickRectangle(cell.closest(".unit-grid"), dragFrom, cell);
      publish(cell.closest(".unit-grid"));
    }
    dragFrom = null;
  });

  document.addEventListener("keyup", function (event) {
    var cell = pickableCell(event);
    if (cell && event.key === " ") {
      event.preventDefault();
      cell.classList.toggle("picked");
      publish(cell.closest(".unit-grid"));
    }
  });

  function clearSelection(_clicks, hostId) {
    var grid = document.querySelector("#" + hostId + " .unit-grid");
    if (grid) { clearPicks(grid); }
    return [];
  }

  function bulkBar(selection, payload) {
    var count = (selection || []).length;
    return [fill(payload.words.selected, {count: count}), count ? "bulk-dock" : "bulk-dock d-none"];
  }

  /* The bulk bar's date fields, shown only for a status that the catalogue dates (the wrapper's data-dated). */
  /* A part of the bulk bar shown only for the statuses it lists (the dates of a dated status, clearing a vacant unit). */
  function showFor(status, wrapperId) {
    var wrapper = document.getElementById(wrapperId), codes = JSON.parse(wrapper.dataset.statuses || "[]");
    wrapper.classList.toggle("d-none", codes.indexOf(status) < 0);
    return wrapper.className;
  }

  /* Escape handled on the way (an open list, a dialog) is theirs; anywhere else it clears every selection. */
  function onEscape(event) {
    if (event.defaultPrevented || (event.target.closest && event.target.closest('dialog, [role="dialog"], [aria-modal="true"]'))) {
      return;
    }
    document.querySelectorAll(".unit-grid").forEach(function (grid) {
      if (grid.querySelector(".cell.picked")) { clearPicks(grid); publish(grid); }
    });
  }

  document.addEventListener("keydown", function (event) {
    var cell = event.target.closest && event.target.closest(".unit-grid .cell");
    if (event.key === "Escape") { onEscape(event); return; }
    if (event.key === " " && pickableCell(event)) { event.preventDefault(); return; }
    if (!cell || !(event.key in MOVES || event.key === "Home" || event.key === "End")) { return; }
    var target = nextCell(cell.closest(".unit-grid"), cell, event);
    event.preventDefault();
    if (target) {
      setRovingFocus(cell.closest(".unit-grid"), target);
      target.focus();
    }
  });

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.unitGrid = {render: render, highlight: highlight, clearSelection: clearSelection, bulkBar: bulkBar,
    showFor: showFor};
})();
