package handlers

import (
	"net/http"
	"strings"

	"attest/notify"
	"attest/outbox"
	"attest/views"
)

// notifyRoutes: webhooks and deliveries (admins), each person's e-mail settings.
func (s *Server) notifyRoutes() []route {
	return []route{
		{"POST /api/v1/webhooks", roles(admin), s.handleWebhookRegister},
		{"GET /api/v1/webhooks/{id}/deliveries", roles(admin), s.handleWebhookDeliveries},
		{"POST /api/v1/webhooks/{id}/deliveries/{delivery}/retry", roles(admin), s.handleDeliveryRetry},
		{"PUT /api/v1/me/notifications", signedIn, s.handleNotifySettings},
		{"GET /settings/notifications", signedIn, s.handleNotifySettingsPage},
		{"POST /settings/notifications", signedIn, s.handleNotifySettings},
		{"GET /admin/deliveries", roles(admin), s.handleDeliveriesPage},
		{"POST /admin/deliveries/{delivery}/retry", roles(admin), s.handleDeliveryRetry},
	}
}

// notifications is the notification store over the server's database (it keeps no state).
func (s *Server) notifications() *notify.Store { return notify.NewStore(s.DB) }

func (s *Server) handleWebhookRegister(w http.ResponseWriter, r *http.Request) {
	var in notify.WebhookInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.notifications().RegisterWebhook(r.Context(), actor(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, offset, err := listParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := s.notifications().WebhookDeliveries(r.Context(), actor(r), id, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ds)
}

// handleDeliveryRetry sends a delivery again with its same id: on the API under its webhook,
// on the admin page by its id alone.
func (s *Server) handleDeliveryRetry(w http.ResponseWriter, r *http.Request) {
	var hook int64
	if isAPI(r) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		hook = id
	}
	uid := r.PathValue("delivery")
	if err := s.notifications().Retry(r.Context(), actor(r), hook, uid); err != nil {
		s.refuse(w, r, err, backTo{URL: "/admin/deliveries"})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": uid, "status": notify.Pending},
		"Delivery "+uid+" is sent again now, with the same id.", "/admin/deliveries")
}

// handleNotifySettings sets the caller's e-mail settings: {"email":bool,"digest":"off|daily"}
// on the API (either may be left out), the form fields email (checkbox) and digest on the page.
func (s *Server) handleNotifySettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.notifications().SettingsOf(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		var in struct {
			Email  *bool   `json:"email"`
			Digest *string `json:"digest"`
		}
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.Email != nil {
			st.Email = *in.Email
		}
		if in.Digest != nil {
			st.Digest = *in.Digest
		}
	} else {
		st.Email = r.PostFormValue("email") == "on"
		st.Digest = strings.TrimSpace(r.PostFormValue("digest"))
	}
	if err := s.notifications().SetSettings(r.Context(), actor(r), st); err != nil {
		s.refuse(w, r, err, backTo{URL: "/settings/notifications"})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"email": st.Email, "digest": st.Digest},
		"Your notification settings are saved.", "/settings/notifications")
}

func (s *Server) handleNotifySettingsPage(w http.ResponseWriter, r *http.Request) {
	st, err := s.notifications().SettingsOf(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.NotifySettings(s.page(r, "Notification settings"), views.NotifySettingsData{
		Email: st.Email, Digest: st.Digest, Address: st.Address, EmailOn: outbox.EmailOn()}))
}

func (s *Server) handleDeliveriesPage(w http.ResponseWriter, r *http.Request) {
	store := s.notifications()
	hooks, err := store.Webhooks(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := store.Deliveries(r.Context(), actor(r), 200, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.DeliveriesData{EmailOn: outbox.EmailOn()}
	for _, h := range hooks {
		d.Webhooks = append(d.Webhooks, views.WebhookRow{ID: h.ID, Supplier: h.Supplier, URL: h.URL, Events: strings.Join(h.Events, ", ")})
	}
	for _, x := range ds {
		d.Deliveries = append(d.Deliveries, views.DeliveryRow{ID: x.ID, Event: x.Event, Status: x.Status, LastError: x.LastError,
			Channel: x.Channel, To: x.To, Attempts: x.Attempts, NextAt: x.NextAt, Created: x.Created})
	}
	s.render(w, r, http.StatusOK, views.Deliveries(s.page(r, "Deliveries"), d))
}
