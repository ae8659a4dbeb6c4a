package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
)

// web holds the pages, the script, the style and the vendored charting
// library: everything a page loads comes from this binary.
//
//go:embed web/templates/*.html web/app.js web/style.css web/vendor/uplot/*
var web embed.FS

var pages = template.Must(template.ParseFS(web, "web/templates/*.html"))

// assetHandler serves web/ but not the templates. http.FileServerFS
// refuses paths that are not fs.ValidPath (no "..", no absolute paths).
func assetHandler() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embed pattern above names web/: cannot happen
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || r.URL.Path[len(r.URL.Path)-1] == '/' || len(r.URL.Path) >= 10 && r.URL.Path[:10] == "templates/" {
			fail(w, r, http.StatusNotFound, "no such file: /assets/"+r.URL.Path)
			return
		}
		if _, err := fs.Stat(sub, r.URL.Path); err != nil {
			fail(w, r, http.StatusNotFound, "no such file: /assets/"+r.URL.Path)
			return
		}
		// The assets change only with the binary.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// pageData fills the layout.
type pageData struct {
	Page, Title, Study, Trial, TrialLabel, Compare string
	Poll                                           int
	PollSeconds                                    string
	Storage                                        string
	AllowStop                                      bool
}

type errorPage struct {
	Code    int
	Status  string
	Message string
}

func (s *Server) data(page, title string) pageData {
	return pageData{Page: page, Title: title, Poll: int(s.opts.Poll.Milliseconds()),
		PollSeconds: fmt.Sprintf("%g s", s.opts.Poll.Seconds()), Storage: s.opts.Storage, AllowStop: s.opts.Stopper != nil}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, file string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, file, d); err != nil {
		s.opts.Log.Printf("serve %s: %v", r.URL.Path, err)
	}
}

func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, name+".html", s.data(name, "Studies"))
	}
}

// studyPage checks that the study exists (warming its snapshot for the
// page's first requests) and sends the page; the script fills it.
func (s *Server) studyPage(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := s.data("study", snap.study.Name)
	d.Study = snap.study.Name
	s.render(w, r, "study.html", d)
}

func (s *Server) trialPage(w http.ResponseWriter, r *http.Request) {
	n, err := trialNumber(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	st, _, err := s.trial(r.Context(), r.PathValue("name"), n)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := s.data("trial", fmt.Sprintf("Trial %d of %s", n, st.Name))
	d.Study, d.Trial, d.TrialLabel = st.Name, strconv.Itoa(n), "trial "+strconv.Itoa(n)
	s.render(w, r, "trial.html", d)
}

func (s *Server) comparePage(w http.ResponseWriter, r *http.Request) {
	names := r.URL.Query()["study"]
	if _, err := s.compare(r.Context(), names); err != nil {
		s.failErr(w, r, err)
		return
	}
	d := s.data("compare", "Compare studies")
	d.Compare = r.URL.RawQuery
	s.render(w, r, "compare.html", d)
}
