import { registry } from "@web/core/registry";

// The controller opens the KPI workbook export and presses the export button.
registry.category("web_tour.tours").add("stock_segment_kpi_workbook_export", {
    steps: () => [
        {
            trigger: ".modal .o_form_view .o_field_widget[name=date_from]",
        },
        {
            trigger: ".modal footer button[name=action_export]",
            run: "click",
        },
    ],
});
