import { registry } from "@web/core/registry";

// A buyer opens the demo shortage of the cordless drill, reads the demand by tier and
// applies the proposal. The Python test checks the reservations afterwards.
registry.category("web_tour.tours").add("stock_segment_execution_apply_shortage", {
    steps: () => [
        {
            content: "Open the drill's shortage",
            trigger: ".o_list_view .o_data_row td:contains('Cordless Drill 18V')",
            run: "click",
        },
        {
            content: "The demand by tier is shown",
            trigger: ".o_form_view .o_field_widget[name=demand_by_tier]:contains('STR 8')",
        },
        {
            content: "Apply the proposal",
            trigger: ".o_form_view .o_form_statusbar button[name=action_apply]",
            run: "click",
        },
        {
            content: "The allocation is applied",
            trigger: ".o-mail-Message:contains('Allocation applied')",
        },
    ],
});
