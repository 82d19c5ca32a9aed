//! The quota cards of the Project API tab: total for the period, what is
//! left, and the period itself.

use crate::format::{grouped, period_label};
use keyscope_model::QuotaStatus;
use leptos::prelude::*;

#[component]
pub fn QuotaCards(quota: QuotaStatus) -> impl IntoView {
    let (total, available) = match (quota.total, quota.available) {
        (Some(total), Some(available)) => (grouped(total), grouped(available)),
        _ => ("Unlimited".to_owned(), "Unlimited".to_owned()),
    };
    view! {
        <div class="ks-cards" data-testid="quota-cards">
            <div class="ks-card" data-testid="quota-total">
                <p class="ks-card__label">"Total Requests"</p>
                <p class="ks-card__value">{total}</p>
            </div>
            <div class="ks-card ks-card--green" data-testid="quota-available">
                <p class="ks-card__label">"Available"</p>
                <p class="ks-card__value">{available}</p>
            </div>
            <div class="ks-card" data-testid="quota-used">
                <p class="ks-card__label">"Used this period"</p>
                <p class="ks-card__value">{grouped(quota.used)}</p>
            </div>
            <div class="ks-card" data-testid="quota-period">
                <p class="ks-card__label">"Period"</p>
                <p class="ks-card__value">{period_label(quota.period_start, quota.period_end)}</p>
            </div>
        </div>
    }
}
