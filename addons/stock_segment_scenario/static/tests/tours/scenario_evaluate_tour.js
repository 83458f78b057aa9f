import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// A planning manager creates a scenario (segment A-X to a 99 % target) and evaluates it:
// the evaluation is queued for the background job, the screen stays free.
tours.add("stock_segment_scenario_create_evaluate", {
    steps: () => [
        {
            content: "New scenario",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour: A-X to 99 %",
        },
        {
            content: "Add a change",
            trigger: ".o_field_widget[name=change_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=change_ids] .o_data_row .o_field_widget[name=segment_id] input",
            run: "edit A-X",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(A-X)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=change_ids] .o_data_row .o_field_widget[name=value] input",
            run: "edit 99",
        },
        {
            content: "Evaluate",
            trigger: ".o_form_view .o_form_statusbar button[name=action_evaluate]",
            run: "click",
        },
        {
            content: "The evaluation is queued",
            trigger: ".o_form_view .o_field_widget[name=job_state]:contains(Queued)",
        },
    ],
});

// Once the background job has run, the manager sees both sides per segment and
// warehouse, then opens the results list.
tours.add("stock_segment_scenario_results", {
    steps: () => [
        {
            trigger: ".o_statusbar_status button[data-value=evaluated][aria-checked=true]",
        },
        {
            content: "Open the results tab",
            trigger: ".o_notebook_headers .nav-link:contains(Results)",
            run: "click",
        },
        {
            content: "Segment A-X side by side",
            trigger: ".o_field_widget[name=result_ids] .o_data_row:contains(A-X)",
        },
        {
            trigger: ".o_form_view button[name=action_view_results]",
            run: "click",
        },
        {
            content: "The results list shows the working capital change",
            trigger: ".o_list_view th:contains(Working Capital Change)",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(A-X)",
        },
    ],
});
