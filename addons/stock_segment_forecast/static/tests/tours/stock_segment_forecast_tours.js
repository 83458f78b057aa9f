import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// The buyer opens the exceptions (top impact first), opens the top one and starts it.
tours.add("stock_segment_forecast_exception_start", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell[name=exception_type]",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_start]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button[data-value=in_progress][aria-checked=true]",
        },
    ],
});

// The buyer overrides the forecast of a plan beyond the segment's tolerance.
tours.add("stock_segment_forecast_override_propose", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=action_new_override]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=quantity] input",
            run: "edit 500",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=reason_code] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains(Customer information)",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_submit]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button[data-value=to_approve][aria-checked=true]",
        },
    ],
});

// A planning manager approves it.
tours.add("stock_segment_forecast_override_approve", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button[data-value=approved][aria-checked=true]",
        },
    ],
});

// Forecast now from the plans list: select a row, press the header button.
tours.add("stock_segment_forecast_now_list", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row:first-child .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: "button[name=action_forecast_now]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(Forecast updated for 1 plan)",
        },
    ],
});

// Forecast now from the plan form.
tours.add("stock_segment_forecast_now_form", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=action_forecast_now]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(Forecast updated for 1 plan)",
        },
    ],
});

// The plan's chart opens (history and forecast, gaps where a series has no value).
tours.add("stock_segment_forecast_chart", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=action_view_demand_chart]",
            run: "click",
        },
        {
            trigger: ".o_graph_view .o_graph_renderer canvas",
            run() {
                // Gaps, not zeros: the final forecast has no value over the history
                // buckets, the history none over the future ones.
                const canvas = document.querySelector(".o_graph_renderer canvas");
                const chart = window.Chart.getChart(canvas);
                const byLabel = Object.fromEntries(
                    chart.data.datasets.map((dataset) => [dataset.label, dataset.data])
                );
                const history = byLabel["Demand history"];
                const final = byLabel["Final forecast"];
                if (!history || !final) {
                    throw new Error(`Series missing: ${Object.keys(byLabel).join(", ")}`);
                }
                const firstFinal = final.findIndex((value) => value !== null);
                const lastHistory = history.findLastIndex((value) => value !== null);
                if (firstFinal <= 0 || final.slice(0, firstFinal).some((v) => v !== null)) {
                    throw new Error("The final forecast is drawn over the history.");
                }
                if (lastHistory !== firstFinal) {
                    throw new Error("The final forecast does not start where history ends.");
                }
                if (history.slice(lastHistory + 1).some((v) => v !== null)) {
                    throw new Error("The history is drawn over the future.");
                }
                if (lastHistory >= history.length - 1) {
                    throw new Error("No future bucket on the chart.");
                }
            },
        },
    ],
});
